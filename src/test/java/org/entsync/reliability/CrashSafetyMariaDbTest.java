package org.entsync.reliability;

import org.entsync.moodle.Dialect;

class CrashSafetyMariaDbTest extends CrashSafetyTestBase {
    @Override
    protected Dialect dialect() {
        return Dialect.MARIADB;
    }
}
