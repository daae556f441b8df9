package org.entsync.pipeline;

import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;

import com.unboundid.ldap.sdk.SearchResultEntry;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;

/**
 * The thread of one run that maps and writes its batches of changed people (route direct:map-and-write) while the
 * read goes on: in a differential run the LDAP read no longer waits for each batch's writes. One thread, so the
 * batches are written in read order (the first directory entry of a duplicate still wins, a cohort is created by
 * the first batch that needs it); at most one batch waits behind the one being written, so memory stays bounded
 * and a first sync, where every page is a batch, reads at most one batch ahead of its writes.
 */
final class BatchWriter {
    private final ExecutorService thread;
    private final Semaphore slots = new Semaphore(2);
    private final ProducerTemplate producer;
    private final RunContext run;

    BatchWriter(RunContext run, Exchange any) {
        this.run = run;
        this.producer = any.getContext().createProducerTemplate();
        this.thread = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "entsync-writer-" + run.config().instance());
            t.setDaemon(true);
            return t;
        });
    }

    /** Queues a batch (sent as a new exchange: entries, headers, properties); blocks while another one already waits. */
    void submit(List<SearchResultEntry> entries, Map<String, Object> headers, Map<String, Object> properties) {
        try {
            slots.acquire();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting to write a batch", e);
        }
        thread.execute(() -> {
            try {
                if (run.isActive()) {
                    Exchange done = producer.send("direct:map-and-write", ex -> {
                        ex.getIn().setBody(entries);
                        ex.getIn().setHeaders(headers);
                        properties.forEach(ex::setProperty);
                    });
                    if (done.getException() != null) RunControl.fail(run, done.getException());
                }
            } catch (RuntimeException e) {
                RunControl.fail(run, e);
            } finally {
                slots.release();
            }
        });
    }

    /** Waits until every batch queued so far is written (or failed), then stops the thread. */
    void finish() {
        try {
            slots.acquire(2);
            slots.release(2);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            thread.shutdown();
            try {
                producer.close();
            } catch (Exception e) {
                // nothing left to send
            }
        }
    }
}
