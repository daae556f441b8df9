package org.entsync.diff;

import java.util.ArrayList;
import java.util.List;

/**
 * The index rows a sink writes for a batch of changes, each the active row of a changed record (with the Moodle id
 * it stands for). A row whose key the diff's probe did not find is inserted with a plain INSERT, which costs
 * PostgreSQL about half an upsert (no speculative insertion; a first sync writes ~4 index rows per person); the
 * others are upserted. The caller holds the instance's lock and writes in the batch's transaction, so a key the
 * probe did not find cannot appear before the insert.
 */
public final class IndexWrites {
    final List<IndexRow> absent = new ArrayList<>();
    final List<IndexRow> present = new ArrayList<>();
    private final long runId;

    public IndexWrites(long runId) {
        this.runId = runId;
    }

    public void add(PendingChange change, long moodleId) {
        IndexRow row = new IndexRow(change.record().key(), change.record().hash(), moodleId, IndexRow.ACTIVE, runId);
        (change.index() == null ? absent : present).add(row);
    }

    public long runId() {
        return runId;
    }

    public boolean isEmpty() {
        return absent.isEmpty() && present.isEmpty();
    }
}
