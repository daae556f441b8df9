package org.entsync.testsupport;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP relay between a client and a database server (PostgreSQL without TLS: it reads the statements) that, once
 * armed, forwards the next {@code COMMIT} and then cuts that connection instead of relaying the server's answer. The
 * server has committed; the client sees a broken connection: the fault of a network that fails at the worst moment.
 */
public final class LostCommitAckProxy implements AutoCloseable {
    private static final byte[] COMMIT = "COMMIT".getBytes(StandardCharsets.US_ASCII);

    private final ServerSocket listener;
    private final String host;
    private final int port;
    private final AtomicBoolean armed = new AtomicBoolean();
    private final AtomicInteger cuts = new AtomicInteger();
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();

    public LostCommitAckProxy(String host, int port) throws IOException {
        this.host = host;
        this.port = port;
        this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        daemon("proxy-accept", this::accept);
    }

    public int port() {
        return listener.getLocalPort();
    }

    /** The next COMMIT any connection sends is the one whose answer is lost. */
    public void arm() {
        armed.set(true);
    }

    /** How many connections were cut after their COMMIT. */
    public int cuts() {
        return cuts.get();
    }

    private void accept() {
        while (!listener.isClosed()) {
            try {
                Socket client = listener.accept();
                Socket server = new Socket(host, port);
                client.setTcpNoDelay(true);
                server.setTcpNoDelay(true);
                sockets.add(client);
                sockets.add(server);
                AtomicBoolean answerLost = new AtomicBoolean();
                daemon("proxy-up", () -> relay(client, server, answerLost, true));
                daemon("proxy-down", () -> relay(server, client, answerLost, false));
            } catch (IOException e) {
                if (!listener.isClosed()) throw new IllegalStateException(e);
            }
        }
    }

    /**
     * Client to server: a COMMIT seen while armed marks the connection before it is forwarded, so that whatever the
     * server answers (after committing) is dropped and the connection closed instead.
     */
    private void relay(Socket from, Socket to, AtomicBoolean answerLost, boolean upstream) {
        byte[] buf = new byte[16384];
        try (from; to) {
            InputStream in = from.getInputStream();
            OutputStream out = to.getOutputStream();
            int n;
            while ((n = in.read(buf)) > 0) {
                if (upstream && contains(buf, n, COMMIT) && armed.compareAndSet(true, false)) answerLost.set(true);
                if (!upstream && answerLost.get()) {
                    cuts.incrementAndGet();
                    return; // closes both sockets: the client never hears that its commit went through
                }
                out.write(buf, 0, n);
                out.flush();
            }
        } catch (IOException closed) {
            // either side went away: the other one is closed with it
        }
    }

    private static boolean contains(byte[] buf, int n, byte[] what) {
        outer:
        for (int i = 0; i + what.length <= n; i++) {
            for (int j = 0; j < what.length; j++) {
                if (buf[i + j] != what[j]) continue outer;
            }
            return true;
        }
        return false;
    }

    private static void daemon(String name, Runnable r) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        t.start();
    }

    @Override
    public void close() throws IOException {
        listener.close();
        for (Socket s : sockets) s.close();
    }
}
