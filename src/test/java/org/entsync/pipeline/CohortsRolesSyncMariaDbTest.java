package org.entsync.pipeline;

import org.entsync.moodle.Dialect;

class CohortsRolesSyncMariaDbTest extends CohortsRolesSyncTestBase {
    @Override
    protected Dialect dialect() {
        return Dialect.MARIADB;
    }
}
