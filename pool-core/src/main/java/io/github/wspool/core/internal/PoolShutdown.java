package io.github.wspool.core.internal;

import io.github.wspool.core.internal.concurrent.PoolScheduler;
import io.github.wspool.core.internal.concurrent.Shutdown;
import io.github.wspool.core.internal.connect.Connector;
import io.github.wspool.core.internal.connection.Recycler;
import io.github.wspool.core.internal.endpoint.EndpointRegistry;
import io.github.wspool.core.internal.event.PoolEvents;
import io.github.wspool.core.internal.health.EndpointChecks;
import io.github.wspool.core.internal.housekeeping.Housekeeper;
import io.github.wspool.core.internal.lease.LeaseBroker;
import io.github.wspool.core.internal.messaging.Messaging;
import io.github.wspool.core.internal.session.Subscriptions;
import io.github.wspool.core.spi.TransportConnection;
import io.github.wspool.event.RecycleReason;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code close()}: new acquires fail at once and so do waiting callers; subscriptions end (their connections are
 * released); idle connections are closed; leased ones get
 * {@code shutdownTimeout} to come back, then are closed anyway; every connection gets {@code 1001 going away} and
 * {@code closeTimeout} to answer before its socket is aborted; then the pool's threads stop (scheduler, health check,
 * transport, connection initializer, message executor), each joined. Idempotent: a second caller returns once the first has finished.
 */
final class PoolShutdown {

    private static final Logger log = LoggerFactory.getLogger(PoolShutdown.class);
    private static final long THREADS_NANOS = TimeUnit.SECONDS.toNanos(2);

    /**
     * What a close stops.
     *
     * @param shutdown    the pool's closing flag
     * @param endpoints   the endpoints and their connections
     * @param leases      waiting callers and held leases
     * @param recycler    closes the connections
     * @param housekeeper the periodic pass
     * @param checks      the HTTP health-check thread
     * @param messaging   the message executor
     * @param scheduler   the pool's timed work
     * @param events      the last event: the pool closed
     * @param connector     the slots still held
     * @param subscriptions released first: their carriers are leases the pool itself holds
     */
    record Parts(Shutdown shutdown, EndpointRegistry endpoints, LeaseBroker leases, Recycler recycler,
                 Housekeeper housekeeper, EndpointChecks checks, Messaging messaging, PoolScheduler scheduler,
                 PoolEvents events, Connector connector, Subscriptions subscriptions) {
    }

    private final String pool;
    private final PoolSettings settings;
    private final Parts parts;
    private final CompletableFuture<Void> terminated = new CompletableFuture<>();

    PoolShutdown(String pool, PoolSettings settings, Parts parts) {
        this.pool = pool;
        this.settings = settings;
        this.parts = parts;
    }

    void close() {
        if (!parts.shutdown().begin()) {
            terminated.join(); // a second caller returns once the first has finished closing
            return;
        }
        try {
            shutdown();
        } finally {
            terminated.complete(null);
        }
    }

    private void shutdown() {
        long started = System.nanoTime();
        EndpointRegistry endpoints = parts.endpoints();
        Recycler recycler = parts.recycler();
        log.info("[{}] closing: {}", pool, endpoints.stats(parts.leases().pending()));
        parts.housekeeper().stop();
        parts.leases().failWaitersOnClose();
        parts.subscriptions().close(); // their carriers are the pool's own leases: not waited for
        Connector connector = parts.connector();
        ClosePacer idle = new ClosePacer(parts.shutdown(), () -> -connector.slots());
        endpoints.forEachConnection(c -> {
            idle.beforeNext(); // a bounded number of closes in flight: see ClosePacer
            if (recycler.recycleIfAvailable(c, RecycleReason.SHUTDOWN)) {
                idle.started();
            } else {
                c.abortConnect();
            }
        });
        long shutdownNanos = settings.shutdownTimeout().toNanos();
        if (!parts.shutdown().await(() -> endpoints.activeLeases() == 0, shutdownNanos)) {
            log.warn("[{}] {} lease(s) not released within shutdownTimeout {} ms; closing them anyway", pool,
                    endpoints.activeLeases(), TimeUnit.NANOSECONDS.toMillis(shutdownNanos));
        }
        ClosePacer rest = new ClosePacer(parts.shutdown(), () -> -connector.slots());
        endpoints.forEachConnection(c -> {
            rest.beforeNext();
            if (recycler.recycleIfOpen(c, RecycleReason.SHUTDOWN)) {
                rest.started();
            }
        });
        long closeNanos = settings.connect().closeTimeout().toNanos() + TimeUnit.MILLISECONDS.toNanos(200);
        if (!parts.shutdown().await(() -> connector.slots() == 0, closeNanos)) {
            endpoints.forEachConnection(c -> {
                TransportConnection t = c.transportOrHandle();
                if (t != null) {
                    t.abort();
                }
            });
            parts.shutdown().await(() -> connector.slots() == 0, TimeUnit.SECONDS.toNanos(1));
        }
        parts.scheduler().shutdown(THREADS_NANOS);
        parts.checks().close();
        settings.transport().close();
        connector.close(THREADS_NANOS);
        parts.messaging().close(THREADS_NANOS);
        endpoints.closed();
        int left = connector.slots();
        if (left > 0) {
            log.warn("[{}] closed with {} connection(s) not confirmed closed: {}", pool, left,
                    endpoints.stats(parts.leases().pending()));
        }
        log.info("[{}] closed in {} ms", pool, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
        parts.events().poolClosed();
    }
}
