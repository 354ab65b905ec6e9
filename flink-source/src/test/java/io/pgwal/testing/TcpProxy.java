package io.pgwal.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP proxy in front of a server, for network faults without root or network namespaces:
 * {@link #resetAll()} drops every open connection with a TCP reset on both sides (a dropped link,
 * a middlebox that forgets the flow), and {@link #stall(boolean)} holds all bytes in both
 * directions until released (a partition that heals). Clients connect to {@link #port()}.
 */
public final class TcpProxy implements AutoCloseable {

    private final ServerSocket server;
    private final String upstreamHost;
    private final int upstreamPort;
    private final List<Socket> open = new CopyOnWriteArrayList<>();
    private final AtomicInteger accepted = new AtomicInteger();
    private final Object gate = new Object();
    private volatile boolean stalled;
    private final java.util.Set<Socket> silenced = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    private TcpProxy(String upstreamHost, int upstreamPort) throws IOException {
        this.upstreamHost = upstreamHost;
        this.upstreamPort = upstreamPort;
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread acceptor = new Thread(this::acceptLoop, "tcp-proxy-accept-" + server.getLocalPort());
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /** Listens on a free loopback port and forwards every connection to {@code host:port}. */
    public static TcpProxy start(String host, int port) {
        try {
            return new TcpProxy(host, port);
        } catch (IOException e) {
            throw new IllegalStateException("Could not start the TCP proxy", e);
        }
    }

    public int port() {
        return server.getLocalPort();
    }

    /** Connections accepted so far (a reconnect shows up as one more). */
    public int connectionsAccepted() {
        return accepted.get();
    }

    /** Resets every open connection (RST to both the client and the server). */
    public void resetAll() {
        for (Socket s : open) {
            abort(s);
        }
    }

    /** Holds (true) or releases (false) all traffic; connections stay open while held. */
    public void stall(boolean hold) {
        synchronized (gate) {
            stalled = hold;
            gate.notifyAll();
        }
    }

    /**
     * Silences the connections open now for good, in both directions and without a reset (a
     * network path that went dead); new connections pass.
     */
    public void silenceOpen() {
        silenced.addAll(open);
    }

    private void acceptLoop() {
        while (!closed) {
            Socket client;
            try {
                client = server.accept();
            } catch (IOException e) {
                return; // closed
            }
            accepted.incrementAndGet();
            try {
                Socket upstream = new Socket(upstreamHost, upstreamPort);
                client.setTcpNoDelay(true);
                upstream.setTcpNoDelay(true);
                open.add(client);
                open.add(upstream);
                pump(client, upstream);
                pump(upstream, client);
            } catch (IOException e) {
                abort(client); // the server is down: the client sees a reset, as it would
            }
        }
    }

    private void pump(Socket from, Socket to) {
        Thread t = new Thread(() -> {
            byte[] buf = new byte[64 * 1024];
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                int n;
                while ((n = in.read(buf)) >= 0) {
                    awaitRelease();
                    if (silenced.contains(from)) {
                        continue; // dropped, as on a dead path
                    }
                    out.write(buf, 0, n);
                }
                to.shutdownOutput();
            } catch (IOException | InterruptedException e) {
                // one side went away: take the other down too
            } finally {
                abort(from);
                abort(to);
            }
        }, "tcp-proxy-pump-" + from.getPort() + "-" + to.getPort());
        t.setDaemon(true);
        t.start();
    }

    private void awaitRelease() throws InterruptedException {
        synchronized (gate) {
            while (stalled && !closed) {
                gate.wait(100);
            }
        }
    }

    private void abort(Socket s) {
        open.remove(s);
        try {
            if (!s.isClosed()) {
                s.setSoLinger(true, 0); // close with RST, not FIN
                s.close();
            }
        } catch (IOException ignored) {
            // already gone
        }
    }

    @Override
    public void close() {
        closed = true;
        stall(false);
        try {
            server.close();
        } catch (IOException ignored) {
            // nothing to do
        }
        resetAll();
    }
}
