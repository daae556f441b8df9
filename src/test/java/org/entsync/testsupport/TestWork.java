package org.entsync.testsupport;

import java.nio.file.Path;

/**
 * A test's work folder (slapd database, reports, settings) goes when the test class ends: each full run left
 * ~150 MB in /tmp. {@code -Dentsync.test.keepWork=true} keeps them to look into a failure.
 */
public final class TestWork {
    private TestWork() {
    }

    public static void delete(Path work) {
        if (!Boolean.getBoolean("entsync.test.keepWork")) org.entsync.bench.BenchDirectory.deleteTree(work);
    }
}
