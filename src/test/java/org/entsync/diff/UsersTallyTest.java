package org.entsync.diff;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** How a run's committed users writes move the active rows counted at its start. */
class UsersTallyTest {
    private static IndexRow row(String key, String state, long lastSeen) {
        return new IndexRow(key, "h-" + key, 1, state, lastSeen);
    }

    @Test
    void eachCommittedRowMovesTheCountsByWhatItWasBefore() {
        UsersTally tally = new UsersTally();
        tally.start(7, 10, () -> true);
        List<IndexRow> written = List.of(row("changed", IndexRow.ACTIVE, 7), row("changed", IndexRow.ACTIVE, 7), row("new", IndexRow.ACTIVE, 7),
                row("back", IndexRow.ACTIVE, 7), row("again", IndexRow.ACTIVE, 7));
        List<IndexRow> before = Arrays.asList(
                row("changed", IndexRow.ACTIVE, 6), row("changed", IndexRow.ACTIVE, 6), // twice in the batch: once
                null, // no row: a new account
                row("back", IndexRow.SUSPENDED, 5), // active again
                row("again", IndexRow.ACTIVE, 7)); // written earlier in this run: counted then
        tally.committed(7, written, before);
        assertArrayEquals(new long[]{12, 9}, tally.counts(7), "active: 10 + new + back; untouched: 10 - changed");
    }

    @Test
    void aCommitThatArrivesWhileTheCountStartsCountsOnceItHasStarted() throws Exception {
        // a write that begins right after the check "no users write yet" reports its commit to this count
        UsersTally tally = new UsersTally();
        Thread[] writer = new Thread[1];
        tally.start(3, 10, () -> {
            writer[0] = new Thread(() -> tally.committed(3, List.of(row("a", IndexRow.ACTIVE, 3)), Arrays.asList((IndexRow) null)));
            writer[0].start();
            long until = System.currentTimeMillis() + 5_000;
            while (writer[0].getState() != Thread.State.BLOCKED && System.currentTimeMillis() < until) Thread.onSpinWait();
            return true;
        });
        writer[0].join();
        assertArrayEquals(new long[]{11, 10}, tally.counts(3));
    }

    @Test
    void cannotTellAfterAnotherWriteOrForAnotherRun() {
        UsersTally tally = new UsersTally();
        assertNull(tally.counts(1), "never started");
        tally.start(1, 3, () -> false);
        assertNull(tally.counts(1), "counted after the run wrote users: the count may hold some of its writes");
        tally.start(2, 3, () -> true);
        assertArrayEquals(new long[]{3, 3}, tally.counts(2));
        assertNull(tally.counts(3), "another run");
        tally.drop();
        assertNull(tally.counts(2), "a write that reports no commit");
        tally.committed(2, List.of(row("a", IndexRow.ACTIVE, 2)), Arrays.asList((IndexRow) null));
        assertNull(tally.counts(2));
    }
}
