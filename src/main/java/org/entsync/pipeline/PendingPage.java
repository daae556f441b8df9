package org.entsync.pipeline;

import org.entsync.diff.PendingChange;

import java.util.List;

/** What the diff stage passes to the writer: the changed records, and the page (for definitions it carries). */
public record PendingPage(List<PendingChange> changes, MappedPage page) {
    /** Whether the writer has anything to do: changes, or definitions to check (cohorts). */
    public boolean isWorthWriting() {
        return !changes.isEmpty() || !page.definitions().isEmpty();
    }
}
