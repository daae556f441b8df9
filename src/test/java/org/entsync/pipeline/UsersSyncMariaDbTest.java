package org.entsync.pipeline;

import org.entsync.moodle.Dialect;

class UsersSyncMariaDbTest extends UsersSyncTestBase {
    @Override
    protected Dialect dialect() {
        return Dialect.MARIADB;
    }
}
