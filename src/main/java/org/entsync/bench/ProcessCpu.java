package org.entsync.bench;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * CPU time used by the local server processes of a bench (the database, slapd), read from {@code /proc}: user +
 * system time of every process with that command name, plus the time of its children already reaped (a
 * PostgreSQL backend that exits is counted in the postmaster's). Linux only: -1 elsewhere, or when no such process
 * runs here (a remote database). Ticks are taken as 1/100 s (USER_HZ on Linux).
 */
final class ProcessCpu {
    private static final Path PROC = Path.of("/proc");

    private ProcessCpu() {
    }

    /**
     * CPU time of this JVM's JIT compiler threads (C1, C2) so far, or -1 off Linux. A compiler thread the JVM
     * stopped meanwhile is no longer counted (with two cores HotSpot keeps one of each).
     */
    static long jitMillis() {
        Path tasks = Path.of("/proc/self/task");
        if (!Files.isDirectory(tasks)) return -1;
        long ticks = 0;
        try (DirectoryStream<Path> threads = Files.newDirectoryStream(tasks)) {
            for (Path t : threads) {
                try {
                    if (!Files.readString(t.resolve("comm")).contains("CompilerThre")) continue; // "C1 CompilerThre", "C2 CompilerThre"
                    ticks += ticks(Files.readString(t.resolve("stat")), false);
                } catch (IOException gone) {
                    // the thread ended
                }
            }
        } catch (IOException e) {
            return -1;
        }
        return ticks * 10;
    }

    /** User + system ticks of a {@code stat} line, with those of the reaped children or not. */
    private static long ticks(String stat, boolean withChildren) {
        // after the command: state(0) … utime(11) stime(12) cutime(13) cstime(14)
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        long t = Long.parseLong(f[11]) + Long.parseLong(f[12]);
        return withChildren ? t + Long.parseLong(f[13]) + Long.parseLong(f[14]) : t;
    }

    static long millis(String command) {
        if (command == null || !Files.isDirectory(PROC)) return -1;
        long ticks = 0;
        boolean found = false;
        try (DirectoryStream<Path> pids = Files.newDirectoryStream(PROC, p -> p.getFileName().toString().chars().allMatch(Character::isDigit))) {
            for (Path pid : pids) {
                String stat;
                try {
                    stat = Files.readString(pid.resolve("stat"));
                } catch (IOException gone) {
                    continue;
                }
                int open = stat.indexOf('(');
                int close = stat.lastIndexOf(')');
                if (open < 0 || close < open || !stat.substring(open + 1, close).equals(command)) continue;
                ticks += ticks(stat, true);
                found = true;
            }
        } catch (IOException e) {
            return -1;
        }
        return found ? ticks * 10 : -1;
    }
}
