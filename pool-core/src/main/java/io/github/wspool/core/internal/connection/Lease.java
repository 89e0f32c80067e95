package io.github.wspool.core.internal.connection;

import io.github.wspool.ConnectionState;
import io.github.wspool.Endpoint;
import io.github.wspool.MessageHandler;
import io.github.wspool.PooledConnection;
import io.github.wspool.core.internal.concurrent.VarHandles;
import io.github.wspool.core.internal.event.PoolEvents;
import io.github.wspool.core.internal.messaging.Channel;
import io.github.wspool.core.internal.messaging.Holder;
import io.github.wspool.core.spi.TransportConnection;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * The handle a caller gets from {@code acquire}: the only object allocated on the acquire/release fast path
 * (two references, one long, one int: 32 bytes with compressed references).
 *
 * <p>A lease is released once, however many times and from however many threads {@code close()} is called. It
 * carries the {@linkplain ManagedConnection#token() token} of its holding of the connection, and -1 once released.
 * On the plain fast path (an exclusive lease, no listener, no leak detection) {@code close()} marks it released with a
 * plain store, and the release's first CAS on the connection, which expects the token, is what makes it
 * exactly-once: a racing second {@code close()} finds the token gone there. Where the release has effects of its own
 * before it reaches the connection (listener events, leak bookkeeping) or the connection does not know its leases
 * apart (shared connections), the pool flips the token to -1 by CAS first: {@link #claim()}.
 */
public final class Lease implements PooledConnection, Holder {

    private static final VarHandle TOKEN = VarHandles.field(MethodHandles.lookup(), Lease.class, "token",
            int.class);
    private static final VarHandle HANDLER = VarHandles.field(MethodHandles.lookup(), Lease.class, "handler",
            MessageHandler.class);
    private static final int RELEASED = -1;
    /**
     * The handler field's "messaging was used, no handler now": a request was made, or a handler removed. A lease
     * whose field is still {@code null} never touched messaging, so its release skips the detach and the scan of the
     * connection's pending requests (two loads and a cache line on the fast path; nothing at all where the lease is
     * scalar-replaced, as the field is then known to be {@code null}).
     */
    private static final MessageHandler NONE = message -> { };


    /** A start time that was not read: nobody would have looked at it (no listeners, no leak detection). */
    public static final long UNTIMED = PoolEvents.UNTIMED;

    /** The leased connection. */
    public final ManagedConnection connection;
    /** When the lease began (the ticker's time), or {@link #UNTIMED}. */
    public final long acquiredAt;
    /** The connection's holding this lease is for ({@code >= 0}), or -1 once released. */
    private volatile int token;
    /**
     * This lease's message handler; {@link #NONE} once messaging was used without one (or it was removed);
     * {@code null} while this lease never used messaging.
     */
    private volatile MessageHandler handler;

    /**
     * A lease on a holding of {@code connection}.
     *
     * @param connection the connection, ACTIVE under {@code token}
     * @param acquiredAt when the lease began, or {@link #UNTIMED}
     * @param token      the holding's token
     */
    public Lease(ManagedConnection connection, long acquiredAt, int token) {
        this.connection = connection;
        this.acquiredAt = acquiredAt;
        // A plain store, not a volatile one: a volatile store is followed by a full fence (a third one per acquire +
        // release, wherever the lease is not scalar-replaced). The lease reaches its holder on this thread or through
        // the waiter's future, both of which order this store before the holder's reads.
        TOKEN.set(this, token);
    }

    /**
     * The holding's token.
     *
     * @return the token, or -1 if released
     */
    public int token() {
        return token;
    }

    /** Marks the lease released with a plain store (no fence): the caller's CAS on the connection decides. */
    public void markReleased() {
        TOKEN.setRelease(this, RELEASED);
    }

    /**
     * Marks the lease released by CAS.
     *
     * @return the token it had, or -1 if another call released it first
     */
    public int claim() {
        while (true) {
            int t = token;
            if (t == RELEASED || TOKEN.compareAndSet(this, t, RELEASED)) {
                return t;
            }
        }
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
    public CompletableFuture<Void> sendAsync(String text) {
        Objects.requireNonNull(text, "text");
        checkNotReleased("sendAsync");
        return connection.owner().messaging().sendAsync(connection, text);
    }

    @Override
    public CompletableFuture<Void> sendAsync(ByteBuffer data) {
        Objects.requireNonNull(data, "data");
        checkNotReleased("sendAsync");
        return connection.owner().messaging().sendAsync(connection, data);
    }

    @Override
    public CompletableFuture<String> request(String message, Duration timeout) {
        checkNotReleased("request");
        messagingUsed();
        return connection.owner().messaging().request(this, message, timeout);
    }

    @Override
    public CompletableFuture<ByteBuffer> request(ByteBuffer message, Duration timeout) {
        checkNotReleased("request");
        messagingUsed();
        return connection.owner().messaging().request(this, message, timeout);
    }

    @Override
    public PooledConnection onMessage(MessageHandler handler) {
        checkNotReleased("onMessage");
        connection.owner().messaging().attach(this, handler);
        if (token == RELEASED) {
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
        connection.invalidate();
    }

    @Override
    public boolean isOpen() {
        checkNotReleased("isOpen");
        return connection.isOpen();
    }

    @Override
    public String subprotocol() {
        checkNotReleased("subprotocol");
        TransportConnection t = connection.transport();
        return t == null ? "" : t.subprotocol();
    }

    @Override
    public Channel channel() {
        return connection;
    }

    @Override
    public MessageHandler messageHandler() {
        MessageHandler h = handler;
        return h == NONE ? null : h;
    }

    @Override
    public boolean hasMessageHandler() {
        MessageHandler h = handler;
        return h != null && h != NONE;
    }

    @Override
    public void messageHandler(MessageHandler h) {
        handler = h == null ? NONE : h; // removed: still "used", the release detaches and cancels as before
    }

    /**
     * Whether this lease ever used messaging (a request, a handler): if not, its release has nothing to detach or
     * cancel. Read after the lease is marked released; a request racing the release is the same race as before (it
     * registers after the release's scan of the pending requests).
     *
     * @return {@code false} if it never did
     */
    public boolean usedMessaging() {
        return handler != null;
    }

    /** Records a use of messaging before the request registers (a CAS from {@code null}: never hides a handler). */
    private void messagingUsed() {
        if (handler == null) {
            HANDLER.compareAndSet(this, (MessageHandler) null, NONE);
        }
    }

    @Override
    public boolean isReleased() {
        return token == RELEASED;
    }

    @Override
    public void close() {
        if (token != RELEASED) {
            connection.owner().release(this); // decides exactly-once (see the class comment)
        }
    }

    private void checkNotReleased(String operation) {
        if (token == RELEASED) {
            throw new IllegalStateException(operation + "() on connection " + connection.id + " after it was released"
                    + " to the pool: the lease was already closed (it may now belong to another caller). Keep every use"
                    + " inside the try-with-resources block that acquired it.");
        }
    }

    @Override
    public String toString() {
        return "PooledConnection[" + connection.id + " -> " + connection.endpoint + (token == RELEASED ? ", released" : "") + "]";
    }
}
