package org.entsync.diff;

import org.entsync.mapping.MappedRecord;

/** An entry the diff stage sends on to a writer: new (no index row), changed, reverted or coming back. */
public record PendingChange(MappedRecord record, IndexRow index) {
}
