package org.entsync.pipeline;

import org.entsync.moodle.Dialect;

class CohortsRolesSyncPostgresTest extends CohortsRolesSyncTestBase {
    @Override
    protected Dialect dialect() {
        return Dialect.POSTGRESQL;
    }
}
