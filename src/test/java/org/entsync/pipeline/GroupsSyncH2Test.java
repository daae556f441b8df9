package org.entsync.pipeline;

import org.entsync.moodle.Dialect;

class GroupsSyncH2Test extends GroupsSyncTestBase {
    @Override
    protected Dialect dialect() {
        return Dialect.H2;
    }
}
