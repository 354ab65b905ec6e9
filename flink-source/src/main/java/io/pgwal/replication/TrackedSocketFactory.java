package io.pgwal.replication;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.SocketFactory;

/**
 * A socket factory for pgjdbc's {@code socketFactory} property that records when the server last
 * sent bytes on a connection. pgjdbc consumes the server's keepalives inside its read calls and
 * does not say when it got one, so this is how a replication session tells a quiet server (which
 * still answers keepalives) from a network path that went silent without a reset: such a
 * connection otherwise hangs until the operating system's TCP timeouts end it (about 15 minutes
 * on Linux).
 *
 * <p>pgjdbc instantiates the factory by class name with {@code socketFactoryArg}, here a key
 * made by {@link #register()}; the key's clock is read with {@link #nanosSinceRead(String)} and
 * dropped with {@link #unregister(String)}. TLS layers over the tracked socket, so encrypted
 * bytes count too.
 */
public final class TrackedSocketFactory extends SocketFactory {

    private static final Map<String, AtomicLong> LAST_READ = new ConcurrentHashMap<>();

    private final AtomicLong lastRead;

    /** Called by pgjdbc with the key of {@code socketFactoryArg}. */
    public TrackedSocketFactory(String key) {
        this.lastRead = LAST_READ.computeIfAbsent(key, k -> new AtomicLong(System.nanoTime()));
    }

    /** A new key whose clock starts now. */
    public static String register() {
        String key = UUID.randomUUID().toString();
        LAST_READ.put(key, new AtomicLong(System.nanoTime()));
        return key;
    }

    /** Nanoseconds since bytes last came from the server on the key's connection. */
    public static long nanosSinceRead(String key) {
        AtomicLong t = LAST_READ.get(key);
        return t == null ? 0L : System.nanoTime() - t.get();
    }

    public static void unregister(String key) {
        LAST_READ.remove(key);
    }

    @Override
    public Socket createSocket() {
        return new TrackedSocket(lastRead);
    }

    @Override
    public Socket createSocket(String host, int port) throws IOException {
        Socket s = createSocket();
        s.connect(new java.net.InetSocketAddress(host, port));
        return s;
    }

    @Override
    public Socket createSocket(String host, int port, InetAddress localHost, int localPort)
            throws IOException {
        Socket s = createSocket();
        s.bind(new java.net.InetSocketAddress(localHost, localPort));
        s.connect(new java.net.InetSocketAddress(host, port));
        return s;
    }

    @Override
    public Socket createSocket(InetAddress host, int port) throws IOException {
        Socket s = createSocket();
        s.connect(new java.net.InetSocketAddress(host, port));
        return s;
    }

    @Override
    public Socket createSocket(InetAddress address, int port, InetAddress localAddress,
            int localPort) throws IOException {
        Socket s = createSocket();
        s.bind(new java.net.InetSocketAddress(localAddress, localPort));
        s.connect(new java.net.InetSocketAddress(address, port));
        return s;
    }

    /** A plain socket whose input stream stamps the time of every read that returned bytes. */
    private static final class TrackedSocket extends Socket {
        private final AtomicLong lastRead;
        private InputStream in;

        TrackedSocket(AtomicLong lastRead) {
            this.lastRead = lastRead;
        }

        @Override
        public synchronized InputStream getInputStream() throws IOException {
            if (in == null) {
                in = new FilterInputStream(super.getInputStream()) {
                    @Override
                    public int read() throws IOException {
                        int b = super.read();
                        if (b >= 0) {
                            lastRead.set(System.nanoTime());
                        }
                        return b;
                    }

                    @Override
                    public int read(byte[] buf, int off, int len) throws IOException {
                        int n = super.read(buf, off, len);
                        if (n > 0) {
                            lastRead.set(System.nanoTime());
                        }
                        return n;
                    }
                };
            }
            return in;
        }
    }
}
