package org.entsync.pipeline;

import org.entsync.moodle.Dialect;

class GroupsSyncPostgresTest extends GroupsSyncTestBase {
    @Override
    protected Dialect dialect() {
        return Dialect.POSTGRESQL;
    }
}
