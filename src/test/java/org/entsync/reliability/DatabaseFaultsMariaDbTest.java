package org.entsync.reliability;

import org.entsync.moodle.Dialect;

class DatabaseFaultsMariaDbTest extends DatabaseFaultsTestBase {
    @Override
    protected Dialect dialect() {
        return Dialect.MARIADB;
    }
}
