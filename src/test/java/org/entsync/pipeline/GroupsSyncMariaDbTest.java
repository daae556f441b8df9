package org.entsync.pipeline;

import org.entsync.moodle.Dialect;

class GroupsSyncMariaDbTest extends GroupsSyncTestBase {
    @Override
    protected Dialect dialect() {
        return Dialect.MARIADB;
    }
}
