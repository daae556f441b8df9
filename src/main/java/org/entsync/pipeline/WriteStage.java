package org.entsync.pipeline;

import org.apache.camel.ExchangeProperty;
import org.apache.camel.Header;
import org.entsync.diff.PendingChange;
import org.entsync.moodle.UserSink;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;

/** Write stage: hands the page's changes to the entity's JDBC sink, one transaction per page. */
public final class WriteStage {

    public void write(List<PendingChange> changes, @ExchangeProperty("run") RunContext run, @Header("entity") String entity) throws SQLException {
        if (changes.isEmpty()) return;
        long t0 = System.nanoTime();
        switch (entity) {
            case UserSink.ENTITY -> {
                UserSink sink = run.sink(entity, () -> new UserSink(run.target(), run.config().users(), run.mapping(entity), run.options().dryRun()));
                try (Connection c = run.target().connection()) {
                    sink.write(c, changes, run.runId(), run.report(entity));
                }
            }
            default -> throw new IllegalStateException("no writer for entity " + entity);
        }
        run.report(entity).time("write", (System.nanoTime() - t0) / 1_000_000);
    }
}
