package org.entsync.pipeline;

import org.entsync.moodle.Dialect;

class UsersSyncPostgresTest extends UsersSyncTestBase {
    @Override
    protected Dialect dialect() {
        return Dialect.POSTGRESQL;
    }
}
