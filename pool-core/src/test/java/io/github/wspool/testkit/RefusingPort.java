package io.github.wspool.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;

/**
 * A loopback port that refuses every connection, for as long as it is open. A TCP socket is bound to an ephemeral
 * port and never listens: the kernel answers each SYN with a reset ({@code Connection refused}), and, since the port
 * stays bound (without {@code SO_REUSEADDR}), nothing else in the machine can take it meanwhile. (A port read from a
 * socket that was then closed is free for anyone: a parallel build's server, or this JVM's next one, may be listening
 * on it by the time the test connects.)
 */
public final class RefusingPort implements AutoCloseable {

    private final Socket holder;

    private RefusingPort(Socket holder) {
        this.holder = holder;
    }

    /** Binds a fresh port on 127.0.0.1 and keeps it refusing until {@link #close()}. */
    public static RefusingPort open() {
        Socket s = new Socket();
        try {
            s.setReuseAddress(false);
            s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            return new RefusingPort(s);
        } catch (IOException e) {
            try {
                s.close();
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw new UncheckedIOException(e);
        }
    }

    /** The refusing port. */
    public int port() {
        return holder.getLocalPort();
    }

    /** {@code ws://127.0.0.1:<port><path>}. */
    public URI uri(String path) {
        return URI.create("ws://127.0.0.1:" + port() + (path.startsWith("/") ? path : "/" + path));
    }

    /** Frees the port. */
    @Override
    public void close() {
        try {
            holder.close();
        } catch (IOException e) {
            // nothing to do
        }
    }
}
