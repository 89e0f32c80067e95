package io.github.wspool.core.internal.transport.jws;

import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.util.concurrent.locks.ReentrantLock;
import javax.net.SocketFactory;

/**
 * A socket factory for one connection that can be aborted at any moment: before the socket exists (the client loop's
 * next {@code createSocket()} fails) or after (the socket is closed). Java-WebSocket creates its socket inside its
 * own loop, so without this an abort that lands before the socket exists would be lost and leave the loop running.
 *
 * <p>With a plain factory this yields a plain socket; with an {@code SSLSocketFactory} an unconnected
 * {@code SSLSocket}, which Java-WebSocket connects and configures with hostname verification on.
 */
final class AbortableSocketFactory extends SocketFactory {

    private final SocketFactory delegate;
    private final ReentrantLock lock = new ReentrantLock();
    private Socket socket; // guarded by lock
    private boolean aborted; // guarded by lock

    AbortableSocketFactory(SocketFactory delegate) {
        this.delegate = delegate;
    }

    @Override
    public Socket createSocket() throws IOException {
        lock.lock();
        try {
            if (aborted) {
                throw new IOException("connect aborted");
            }
            socket = delegate.createSocket();
            return socket;
        } finally {
            lock.unlock();
        }
    }

    /** Closes the socket if it exists, and refuses to create one later. */
    void abort() {
        Socket s;
        lock.lock();
        try {
            aborted = true;
            s = socket;
        } finally {
            lock.unlock();
        }
        if (s != null) {
            try {
                s.close();
            } catch (IOException e) {
                // the socket is unusable either way
            }
        }
    }

    @Override
    public Socket createSocket(String host, int port) throws IOException {
        throw new UnsupportedOperationException("only unconnected sockets are created here");
    }

    @Override
    public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
        throw new UnsupportedOperationException("only unconnected sockets are created here");
    }

    @Override
    public Socket createSocket(InetAddress host, int port) throws IOException {
        throw new UnsupportedOperationException("only unconnected sockets are created here");
    }

    @Override
    public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort) throws IOException {
        throw new UnsupportedOperationException("only unconnected sockets are created here");
    }
}
