package org.entsync.reliability;

import org.entsync.moodle.Dialect;

class DatabaseFaultsPostgresTest extends DatabaseFaultsTestBase {
    @Override
    protected Dialect dialect() {
        return Dialect.POSTGRESQL;
    }
}
