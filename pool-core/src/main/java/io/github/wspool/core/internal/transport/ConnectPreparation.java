package io.github.wspool.core.internal.transport;

import io.github.wspool.core.spi.LocalConnectException;
import io.github.wspool.core.spi.ProxyOptions;
import io.github.wspool.core.spi.TransportOptions;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.FutureTask;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What may block before a connect reaches the network, run time-boxed: the user's header supplier (which may fetch a
 * token), the choice of a proxy and its credentials ({@link ProxyOptions}: a selector and a credentials supplier are
 * the user's code too), and the resolution of the host name to connect to: the endpoint's, or the proxy's (which
 * resolves the endpoint's itself). Both transports run it on an
 * {@linkplain io.github.wspool.core.internal.concurrent.ElasticExecutor elastic executor}, so a supplier or DNS
 * lookup that hangs holds one thread of its own, never the threads other connects need, and both bound it by the
 * connect timeout, counted from the transport's {@code connect} call (so the timeout bounds everything before the
 * upgrade request: supplier, DNS and TCP together).
 *
 * <p>A preparation still running at its deadline, or when the connect is aborted, is {@linkplain #giveUp given up}:
 * its thread is interrupted (a supplier waiting interruptibly returns at once; a resolver stuck in a system call
 * holds its thread until it returns, which the elastic executor makes up for), and the connect fails with a
 * {@link LocalConnectException} naming the step that hung: the client's fault, never counted against the endpoint.
 * Whatever the preparation produces after that is dropped.
 */
public final class ConnectPreparation {

    /**
     * The result: the upgrade request's headers, the addresses to try, in order (the proxy's, when there is one),
     * and the proxy's {@code CONNECT} exchange, or {@code null} for a direct connect.
     */
    public record Prepared(Map<String, String> headers, List<InetSocketAddress> addresses, ProxyTunnel tunnel) {
    }

    private static final int RUNNING = 0;
    private static final int DONE = 1;
    private static final int GIVEN_UP = 2;

    private final URI uri;
    private final TransportOptions options;
    private final AddressResolver resolver;
    private final long deadlineNanos;
    private final FutureTask<Prepared> task;
    private final AtomicInteger state = new AtomicInteger(RUNNING);
    /** Why it was given up, once it was. */
    private volatile LocalConnectException givenUp;
    /** The step running now, for the failure's message. */
    private volatile String step = "waiting for a thread to prepare the connect";

    /**
     * A preparation whose deadline is the connect timeout from now (call it when the transport's connect is called).
     *
     * @param uri      the endpoint
     * @param options  its options (headers, supplier, connect timeout)
     * @param resolver gives the addresses
     */
    public ConnectPreparation(URI uri, TransportOptions options, AddressResolver resolver) {
        this(uri, options, resolver, null);
    }

    /**
     * A preparation that runs {@code whenDone} once its task has ended, on the thread that ended it: the preparing
     * thread when it finished or failed, the thread that {@linkplain #giveUp gave it up} otherwise. Anything
     * {@code whenDone} throws is the caller's to catch.
     *
     * @param uri      the endpoint
     * @param options  its options (headers, supplier, connect timeout)
     * @param resolver gives the addresses
     * @param whenDone called once, when the task has ended; {@code null} for none
     */
    public ConnectPreparation(URI uri, TransportOptions options, AddressResolver resolver, Runnable whenDone) {
        this.uri = uri;
        this.options = options;
        this.resolver = resolver;
        this.deadlineNanos = System.nanoTime() + options.connectTimeout().toNanos();
        this.task = new FutureTask<>(this::prepare) {
            @Override
            protected void done() {
                if (whenDone != null) {
                    whenDone.run();
                }
            }
        };
    }

    /**
     * When the connect must be done with, a {@link System#nanoTime()} value: the preparation, then the TCP connect to
     * every address in turn, share the connect timeout.
     *
     * @return the deadline
     */
    public long deadlineNanos() {
        return deadlineNanos;
    }

    /**
     * Starts the preparation on {@code executor}.
     *
     * @param executor an elastic executor
     * @throws RejectedExecutionException if it refused (shut down)
     */
    public void start(Executor executor) {
        executor.execute(task);
    }

    private Prepared prepare() throws Exception {
        step = "the header supplier";
        Map<String, String> headers = options.handshakeHeaders(uri);
        ProxyTunnel tunnel = null;
        String host = uri.getHost();
        int port = AddressResolver.port(uri);
        ProxyOptions proxy = options.proxy();
        if (!proxy.isDirect()) {
            step = "choosing a proxy";
            InetSocketAddress through = proxy.proxyFor(uri);
            if (through != null) { // the proxy resolves the endpoint's name; this side resolves the proxy's
                step = "the proxy credentials supplier";
                tunnel = new ProxyTunnel(uri, through, proxy.proxyAuthorization(uri));
                host = through.getHostString();
                port = through.getPort();
            }
        }
        step = "resolving " + (tunnel != null ? "proxy host " : "") + host;
        List<InetSocketAddress> addresses;
        try {
            addresses = List.copyOf(resolver.resolve(host, port));
        } catch (UnknownHostException e) {
            if (tunnel == null) {
                throw e;
            }
            UnknownHostException named = new UnknownHostException("proxy " + tunnel.proxy() + ": " + e.getMessage());
            named.initCause(e);
            throw named;
        }
        if (addresses.isEmpty()) {
            throw new UnknownHostException((tunnel != null ? "proxy " + tunnel.proxy() : host) + ": no address");
        }
        return new Prepared(headers, addresses, tunnel);
    }

    /**
     * Whether the preparation finished and its result is the connect's to use: once this returns {@code true},
     * {@link #giveUp} does nothing. Call it once the task is done (its completion, or {@link #await}).
     *
     * @return {@code false} if it was given up first (the connect was failed or aborted meanwhile)
     */
    public boolean claim() {
        return state.compareAndSet(RUNNING, DONE);
    }

    /**
     * Gives the preparation up if it has not been claimed: interrupts its thread and tells why the connect failed.
     *
     * @param aborted {@code true} when the connect was aborted, {@code false} when its deadline passed
     * @return the failure to report, or {@code null} if the preparation was already claimed (or given up)
     */
    public LocalConnectException giveUp(boolean aborted) {
        if (!state.compareAndSet(RUNNING, GIVEN_UP)) {
            return null;
        }
        String what = step;
        boolean late = System.nanoTime() - deadlineNanos >= 0; // an abort at the pool's connect deadline, say
        task.cancel(true);
        long ms = options.connectTimeout().toMillis();
        LocalConnectException failure = new LocalConnectException(uri, aborted && !late ? "connect aborted while "
                + what + " was still running" : what + " did not finish within " + ms + " ms (connectTimeout)", null);
        givenUp = failure;
        return failure;
    }

    /**
     * Whether the preparation's task has ended (prepared, failed or cancelled).
     *
     * @return {@code true} if it has
     */
    public boolean isDone() {
        return task.isDone();
    }

    /**
     * The result of a task that is done (see {@link #isDone()}).
     *
     * @return what was prepared
     * @throws Exception what the preparation threw (a {@link LocalConnectException} for the supplier's failures, an
     *                   {@link UnknownHostException} for a name that does not resolve), or a
     *                   {@link LocalConnectException} if it was given up
     */
    public Prepared result() throws Exception {
        try {
            return task.get(0, TimeUnit.NANOSECONDS);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof Exception ex) {
                throw ex;
            }
            throw (Error) cause;
        } catch (CancellationException | TimeoutException e) {
            throw new LocalConnectException(uri, "connect aborted while " + step + " was still running", e);
        }
    }

    /**
     * Waits on the calling thread (a connection's own) for the preparation, until its deadline; past it, gives it up.
     *
     * @return what was prepared
     * @throws Exception as {@link #result()}; a {@link LocalConnectException} once the deadline passed, the connect
     *                   was aborted ({@link #giveUp}) or this thread was interrupted
     */
    public Prepared await() throws Exception {
        try {
            task.get(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            LocalConnectException late = giveUp(false);
            if (late != null) {
                throw late;
            }
        } catch (InterruptedException e) {
            LocalConnectException aborted = giveUp(true);
            Thread.currentThread().interrupt();
            if (aborted != null) {
                throw aborted;
            }
        } catch (ExecutionException | CancellationException e) {
            // reported by result()
        }
        if (!claim()) {
            LocalConnectException why = givenUp;
            throw why != null ? why : new LocalConnectException(uri, "connect aborted while " + step
                    + " was still running", null);
        }
        return result();
    }
}
