package org.entsync.reliability;

import org.entsync.moodle.Dialect;

class CrashSafetyPostgresTest extends CrashSafetyTestBase {
    @Override
    protected Dialect dialect() {
        return Dialect.POSTGRESQL;
    }
}
