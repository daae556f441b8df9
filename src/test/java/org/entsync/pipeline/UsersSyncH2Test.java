package org.entsync.pipeline;

import org.entsync.moodle.Dialect;

class UsersSyncH2Test extends UsersSyncTestBase {
    @Override
    protected Dialect dialect() {
        return Dialect.H2;
    }
}
