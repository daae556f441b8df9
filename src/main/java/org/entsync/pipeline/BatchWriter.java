package org.entsync.pipeline;

import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;

import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Semaphore;

/**
 * A thread of one run that sends its batches to a route while the caller goes on: the writer (route
 * direct:map-and-write: map, then write each entity) lets the LDAP read go on, and on PostgreSQL a second one
 * (direct:derived-of-batch: cohorts, roles, groups) writes a batch's derived entities while the writer maps and
 * writes the next batch's users. One thread each, so batches are written in read order (the first directory entry
 * of a duplicate still wins, a cohort is created by the first batch that needs it); at most one batch waits behind
 * the one being written, so memory stays bounded and a first sync, where every page is a batch, reads at most one
 * batch ahead of its writes.
 */
final class BatchWriter {
    private final ExecutorService thread;
    private final Semaphore slots = new Semaphore(2);
    private final ProducerTemplate producer;
    private final RunContext run;
    private final String endpoint;

    BatchWriter(RunContext run, Exchange any, String endpoint, String name) {
        this.run = run;
        this.endpoint = endpoint;
        this.producer = any.getContext().createProducerTemplate();
        this.thread = SyncEngine.daemonPool(1, "entsync-" + name + "-" + run.config().instance());
    }

    /**
     * Queues a batch, sent as a new exchange with this body, the headers of the exchange it comes from and its
     * properties (not the splits' state nor the page), plus {@code extra}; blocks while another batch already waits.
     */
    void submit(Exchange from, Object body, Map<String, Object> extra) {
        Map<String, Object> headers = new java.util.HashMap<>(from.getIn().getHeaders());
        Map<String, Object> properties = new java.util.HashMap<>(extra);
        from.getProperties().forEach((k, v) -> {
            if (!k.startsWith("Camel") && !k.equals("page")) properties.putIfAbsent(k, v);
        });
        try {
            slots.acquire();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting to write a batch", e);
        }
        thread.execute(() -> {
            try {
                if (run.isActive()) {
                    Exchange done = producer.send(endpoint, ex -> {
                        ex.getIn().setBody(body);
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

    /** Whether no batch is being written nor waiting. */
    boolean idle() {
        return slots.availablePermits() == 2;
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
