package org.entsync.reliability;

import org.entsync.moodle.Dialect;

class HostileInputMariaDbTest extends HostileInputTestBase {
    @Override
    protected Dialect dialect() {
        return Dialect.MARIADB;
    }
}
