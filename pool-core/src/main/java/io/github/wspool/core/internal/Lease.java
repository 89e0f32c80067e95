package io.github.wspool.core.internal;

import io.github.wspool.ConnectionState;
import io.github.wspool.Endpoint;
import io.github.wspool.PooledConnection;
import io.github.wspool.core.spi.TransportConnection;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.util.Objects;

/**
 * The handle a caller gets from {@code acquire}: the only object allocated on the acquire/release fast path
 * (one reference, one long, one flag).
 *
 * <p>A lease is released once; the flag is flipped by CAS so that a double {@code close()} from racing threads
 * still releases the connection exactly once.
 */
final class Lease implements PooledConnection {

    private static final VarHandle RELEASED;

    static {
        try {
            RELEASED = MethodHandles.lookup().findVarHandle(Lease.class, "released", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    final ManagedConnection connection;
    final long acquiredAt;
    private volatile boolean released;

    Lease(ManagedConnection connection, long acquiredAt) {
        this.connection = connection;
        this.acquiredAt = acquiredAt;
    }

    @Override
    public String id() {
        return connection.id;
    }

    @Override
    public Endpoint endpoint() {
        return connection.endpoint;
    }

    @Override
    public ConnectionState state() {
        return connection.state();
    }

    @Override
    public void send(String text) {
        Objects.requireNonNull(text, "text");
        TransportConnection t = openTransport("send");
        try {
            t.sendText(text);
        } catch (RuntimeException e) {
            throw connection.owner().sendFailed(connection, e);
        }
        connection.owner().sendSucceeded(connection);
    }

    @Override
    public void send(ByteBuffer data) {
        Objects.requireNonNull(data, "data");
        TransportConnection t = openTransport("send");
        try {
            t.sendBinary(data);
        } catch (RuntimeException e) {
            throw connection.owner().sendFailed(connection, e);
        }
        connection.owner().sendSucceeded(connection);
    }

    private TransportConnection openTransport(String operation) {
        checkNotReleased(operation);
        TransportConnection t = connection.transport;
        if (t == null || connection.transportFinished) {
            throw connection.owner().sendFailed(connection, new IllegalStateException("transport closed"));
        }
        return t;
    }

    @Override
    public void invalidate() {
        checkNotReleased("invalidate");
        connection.invalidated = true;
    }

    @Override
    public boolean isOpen() {
        checkNotReleased("isOpen");
        return connection.isOpen();
    }

    @Override
    public boolean isReleased() {
        return released;
    }

    @Override
    public void close() {
        if (RELEASED.compareAndSet(this, false, true)) {
            connection.owner().release(this);
        }
    }

    private void checkNotReleased(String operation) {
        if (released) {
            throw new IllegalStateException(operation + "() on connection " + connection.id + " after it was released"
                    + " to the pool: the lease was already closed (it may now belong to another caller). Keep every use"
                    + " inside the try-with-resources block that acquired it.");
        }
    }

    @Override
    public String toString() {
        return "PooledConnection[" + connection.id + " -> " + connection.endpoint + (released ? ", released" : "") + "]";
    }
}
