package org.entsync.reliability;

import org.entsync.moodle.Dialect;

class HostileInputPostgresTest extends HostileInputTestBase {
    @Override
    protected Dialect dialect() {
        return Dialect.POSTGRESQL;
    }
}
