package io.github.wspool.core.internal;

import io.github.wspool.ConnectionState;
import io.github.wspool.Endpoint;
import io.github.wspool.MessageHandler;
import io.github.wspool.PooledConnection;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * The handle a caller gets from {@code acquire}: the only object allocated on the acquire/release fast path
 * (two references, one long, two flags: 32 bytes with compressed references).
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
    /** Set once a request was made on this lease: release then cancels what is still pending. */
    volatile boolean requested;
    /** This lease's message handler, or {@code null}. */
    volatile MessageHandler handler;

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
        checkNotReleased("send");
        connection.owner().messaging().send(connection, text);
    }

    @Override
    public void send(ByteBuffer data) {
        Objects.requireNonNull(data, "data");
        checkNotReleased("send");
        connection.owner().messaging().send(connection, data);
    }

    @Override
    public CompletableFuture<String> request(String message, Duration timeout) {
        checkNotReleased("request");
        return connection.owner().messaging().request(this, message, timeout);
    }

    @Override
    public CompletableFuture<ByteBuffer> request(ByteBuffer message, Duration timeout) {
        checkNotReleased("request");
        return connection.owner().messaging().request(this, message, timeout);
    }

    @Override
    public PooledConnection onMessage(MessageHandler handler) {
        checkNotReleased("onMessage");
        connection.owner().messaging().attach(this, handler);
        if (released) {
            connection.owner().messaging().released(this); // released concurrently: detach again
        }
        return this;
    }

    @Override
    public long bufferedBytes() {
        checkNotReleased("bufferedBytes");
        return connection.owner().messaging().bufferedBytes(connection);
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
    public String subprotocol() {
        checkNotReleased("subprotocol");
        io.github.wspool.core.spi.TransportConnection t = connection.transport;
        return t == null ? "" : t.subprotocol();
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
