package io.github.wspool.core.internal.transport.selector;

import io.github.wspool.core.internal.concurrent.DaemonThreads;
import io.github.wspool.core.internal.concurrent.ElasticExecutor;
import io.github.wspool.core.internal.transport.AddressResolver;
import io.github.wspool.core.spi.Transport;
import io.github.wspool.core.spi.TransportConnection;
import io.github.wspool.core.spi.TransportListener;
import io.github.wspool.core.spi.TransportOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The shared-selector transport, a pool's default ({@code WebSocketPoolBuilder.sharedSelectorTransport(int)} sets
 * its selector count): every connection of a pool on a small fixed number of selector threads, driving
 * Java-WebSocket's protocol engine ({@code WebSocketImpl}, client role) over non-blocking socket channels. No thread
 * per connection: a pool holding 10,000 connections runs its selector threads, a couple of workers and its
 * housekeeper.
 *
 * <ul>
 *   <li><b>Selector threads</b> ({@code wspool-<pool>-nio-N}): connections are spread over them round-robin. They
 *       read, decode, write and run the pool's message and pong callbacks, which never block (the pool throttles
 *       inbound traffic by {@linkplain TransportConnection#suspendReading() suspending reads} instead).</li>
 *   <li><b>Workers</b> ({@code wspool-<pool>-nio-worker-N}, {@code max(2, selectors)}, ended after 10 s idle): TLS
 *       delegated tasks, and the pool's open and close callbacks, which may complete user futures.</li>
 *   <li><b>Connectors</b> ({@code wspool-<pool>-nio-connect-N}, ended after 10 s idle): what may block before a
 *       connect reaches its selector: DNS, the upgrade headers (a user's header supplier may fetch a token), a proxy
 *       selector and proxy credentials supplier, and the TLS engine. Apart from the workers, so that a slow DNS server or supplier delays connects only, never another
 *       connection's open or close. Elastic ({@link ElasticExecutor}: {@value #CONNECTORS} threads for a start,
 *       another whenever all are busy, up to {@link ElasticExecutor#DEFAULT_MAX_THREADS}), so that suppliers or
 *       lookups that hang hold their own threads, never the ones other connects need; and time-boxed
 *       ({@link io.github.wspool.core.internal.transport.ConnectPreparation}): one still running when the connect
 *       timeout passes fails its connect as a local fault and its thread is interrupted.</li>
 * </ul>
 *
 * <p>Threads start with the first connect (their names come from the pool's options) and end on {@link #close()},
 * which joins them, bounded.
 */
public final class SelectorTransport implements Transport {

    private static final Logger log = LoggerFactory.getLogger(SelectorTransport.class);
    private static final long JOIN_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(3);
    private static final int MAX_SELECTORS = 64;
    /** Connector threads started before an idle one is reused; more start whenever all of them are busy. */
    static final int CONNECTORS = 2;
    private static final long IDLE_SECONDS = 10;

    private final int selectorCount;
    private final AddressResolver resolver;
    private final ReentrantLock startLock = new ReentrantLock();
    private volatile SelectorLoop[] loops; // written once under startLock
    private ThreadPoolExecutor workers; // guarded by startLock (read after loops is published)
    private ThreadPoolExecutor connectors; // likewise
    private final Set<Thread> workerThreads = ConcurrentHashMap.newKeySet();
    private final Set<SelectorConnection> connections = ConcurrentHashMap.newKeySet();
    private final AtomicInteger nextLoop = new AtomicInteger();
    private volatile boolean closed;

    /**
     * @param selectorCount selector threads, 1 to 64
     */
    public SelectorTransport(int selectorCount) {
        this(selectorCount, AddressResolver.SYSTEM);
    }

    /**
     * A transport that resolves host names with {@code resolver} (tests connect made-up names to loopback sockets).
     *
     * @param selectorCount selector threads, 1 to 64
     * @param resolver      gives the addresses each connect tries in turn
     */
    public SelectorTransport(int selectorCount, AddressResolver resolver) {
        this.resolver = resolver;
        if (selectorCount < 1 || selectorCount > MAX_SELECTORS) {
            throw new IllegalArgumentException("selectorThreads must be between 1 and " + MAX_SELECTORS + ", but was "
                    + selectorCount);
        }
        this.selectorCount = selectorCount;
    }

    /**
     * The default number of selector threads: {@code min(cores, 4)}.
     *
     * @return at least 1
     */
    public static int defaultSelectorCount() {
        return Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors()));
    }

    @Override
    public TransportConnection connect(URI uri, TransportOptions options, TransportListener listener) {
        SelectorLoop[] started = start(options.threadNamePrefix());
        if (started == null) {
            ClosedConnection c = new ClosedConnection();
            listener.onClosed(-1, "transport closed", false, new IllegalStateException("transport closed"));
            return c;
        }
        SelectorLoop loop = started[Math.floorMod(nextLoop.getAndIncrement(), started.length)];
        SelectorConnection c = new SelectorConnection(this, loop, uri, options, listener,
                new CallbackSequence(workers), resolver);
        connections.add(c);
        if (closed) {
            c.abort();
            return c;
        }
        try {
            c.connectPhase().start(connectors);
        } catch (RejectedExecutionException e) {
            c.abort(); // closed meanwhile
        }
        return c;
    }

    /** The selector loops, {@code null} before the first connect (tests). */
    SelectorLoop[] loops() {
        return loops;
    }

    /** Starts the selector threads and the workers on the first connect; {@code null} once closed. */
    private SelectorLoop[] start(String threadNamePrefix) {
        SelectorLoop[] ls = loops;
        if (ls != null || closed) {
            return closed ? null : ls;
        }
        startLock.lock();
        try {
            if (closed) {
                return null;
            }
            if (loops == null) {
                ThreadPoolExecutor w = DaemonThreads.idleEnding(Math.max(2, selectorCount), IDLE_SECONDS,
                        threadNamePrefix + "-nio-worker-", workerThreads);
                ThreadPoolExecutor cs = ElasticExecutor.create(CONNECTORS, ElasticExecutor.DEFAULT_MAX_THREADS,
                        IDLE_SECONDS, threadNamePrefix + "-nio-connect-", workerThreads);
                SelectorLoop[] created = new SelectorLoop[selectorCount];
                try {
                    for (int i = 0; i < selectorCount; i++) {
                        created[i] = new SelectorLoop(threadNamePrefix + "-nio-" + (i + 1));
                    }
                } catch (IOException e) {
                    w.shutdown();
                    cs.shutdown();
                    throw new UncheckedIOException("could not open a selector", e);
                }
                for (SelectorLoop l : created) {
                    l.start();
                }
                workers = w;
                connectors = cs;
                loops = created;
            }
            return loops;
        } finally {
            startLock.unlock();
        }
    }

    /** Runs a task on a worker; on the calling thread if the workers are shut down. */
    void runOnWorker(Runnable task) {
        try {
            workers.execute(task);
        } catch (RejectedExecutionException e) {
            task.run();
        }
    }

    void forget(SelectorConnection c) {
        connections.remove(c);
    }

    /** Aborts what is still open, stops the selectors and the workers, and joins their threads (bounded). */
    @Override
    public void close() {
        startLock.lock();
        try {
            closed = true;
        } finally {
            startLock.unlock();
        }
        SelectorLoop[] ls = loops;
        if (ls == null) {
            return;
        }
        for (SelectorConnection c : connections) {
            c.abort();
        }
        for (SelectorLoop l : ls) {
            l.stop();
        }
        long deadline = System.nanoTime() + JOIN_TIMEOUT_NANOS;
        List<Thread> threads = new ArrayList<>();
        for (SelectorLoop l : ls) {
            threads.add(l.thread());
        }
        join(threads, deadline);
        // A preparation still queued is dropped (its connection was aborted above, which reported its close); one
        // running, in a user's header supplier perhaps, is interrupted.
        connectors.shutdownNow();
        workers.shutdown();
        try {
            workers.awaitTermination(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            connectors.awaitTermination(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        join(new ArrayList<>(workerThreads), deadline);
    }

    /** Joins until {@code deadline}; a close() from a callback skips its own thread (it ends when that returns). */
    private static void join(Collection<Thread> threads, long deadline) {
        for (Thread t : DaemonThreads.joinAll(threads, deadline)) {
            log.warn("transport thread {} did not stop in time", t.getName());
        }
    }

    /** The handle returned by a connect after close: never open. */
    private static final class ClosedConnection implements TransportConnection {
        @Override
        public void sendText(String text) {
            throw new IllegalStateException("transport closed");
        }

        @Override
        public void sendBinary(java.nio.ByteBuffer data) {
            throw new IllegalStateException("transport closed");
        }

        @Override
        public void ping(java.nio.ByteBuffer payload) {
        }

        @Override
        public void close(int code, String reason) {
        }

        @Override
        public void abort() {
        }

        @Override
        public boolean isOpen() {
            return false;
        }
    }
}
