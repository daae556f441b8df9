package org.entsync.pipeline;

import org.entsync.moodle.Dialect;

class CohortsRolesSyncH2Test extends CohortsRolesSyncTestBase {
    @Override
    protected Dialect dialect() {
        return Dialect.H2;
    }
}
