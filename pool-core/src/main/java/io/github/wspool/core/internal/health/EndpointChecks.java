package io.github.wspool.core.internal.health;

import io.github.wspool.Endpoint;
import io.github.wspool.EndpointConnectException;
import io.github.wspool.core.internal.concurrent.DaemonThreads;
import io.github.wspool.core.internal.concurrent.Shutdown;
import io.github.wspool.core.internal.connection.EndpointState;
import java.net.URI;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The endpoints' HTTP health checks ({@code endpointHealthCheck}): when one is due the housekeeper starts it on the
 * pool's health-check thread (started on first use, joined on close); its verdicts, after the configured number in a
 * row, make the endpoint unhealthy or healthy again through the {@link HealthMonitor}.
 */
public final class EndpointChecks {

    private static final Logger log = LoggerFactory.getLogger(EndpointChecks.class);

    private final String pool;
    private final HealthSettings settings;
    private final HealthMonitor health;
    private final Shutdown shutdown;
    private final Runnable requestMaintenance;
    private final long intervalNanos;
    private final ReentrantLock lock = new ReentrantLock();
    private volatile ExecutorService executor;
    private volatile Thread thread;

    /**
     * @param pool               the pool's name: thread name and logs
     * @param settings           the health settings
     * @param health             judges the endpoints
     * @param shutdown           whether the pool is closing
     * @param requestMaintenance asks the housekeeper for a pass (a check finished)
     */
    public EndpointChecks(String pool, HealthSettings settings, HealthMonitor health, Shutdown shutdown,
                          Runnable requestMaintenance) {
        this.pool = pool;
        this.settings = settings;
        this.health = health;
        this.shutdown = shutdown;
        this.requestMaintenance = requestMaintenance;
        this.intervalNanos = settings.endpointHealthInterval().toNanos();
    }

    /**
     * Whether endpoints have an HTTP check.
     *
     * @return {@code true} when configured
     */
    public boolean enabled() {
        return settings.endpointHealthUrl() != null;
    }

    /**
     * Starts the endpoint's HTTP health check on the health thread when due.
     *
     * @param e   the endpoint
     * @param now the ticker's time
     * @return when it is next due
     */
    public long check(EndpointState e, long now) {
        if (e.isDraining()) {
            return Long.MAX_VALUE;
        }
        if (e.httpCheck().inFlight() || now - e.httpCheck().nextAt() < 0) {
            return e.httpCheck().nextAt(); // a check in flight wakes the housekeeper when it completes
        }
        URI url;
        try {
            url = settings.endpointHealthUrl().apply(e.uri());
        } catch (RuntimeException ex) {
            log.warn("[{}] health URL mapping failed for {}", pool, e, ex);
            e.httpCheck().nextAt(now + intervalNanos);
            return e.httpCheck().nextAt();
        }
        e.httpCheck().inFlight(true);
        e.httpCheck().nextAt(now + intervalNanos);
        try {
            executor().execute(() -> {
                try {
                    checked(e, url, HttpHealthCheck.check(url, settings.endpointHealthTimeout()));
                } finally {
                    e.httpCheck().inFlight(false);
                    requestMaintenance.run();
                }
            });
        } catch (RejectedExecutionException closing) {
            e.httpCheck().inFlight(false);
        }
        return e.httpCheck().nextAt();
    }

    /** Folds one check's result into the endpoint's state (on the health thread). */
    private void checked(EndpointState e, URI url, String failure) {
        if (shutdown.begun()) {
            return;
        }
        if (failure == null) {
            int passes = e.httpCheck().passed();
            if (e.checkFailing() && passes >= settings.endpointHealthyThreshold()) {
                e.checkFailing(false);
                log.info("[{}] {} passed {} health check(s) in a row: healthy again", pool, e, passes);
                health.endpointHealthy(e);
                requestMaintenance.run();
            }
            return;
        }
        int failures = e.httpCheck().failed();
        if (!e.checkFailing() && failures >= settings.endpointUnhealthyThreshold()) {
            if (!health.budget().tryCount(e, () -> e.checkFailing(true))) {
                log.debug("[{}] {} failed {} health check(s) but stays in rotation: {} of {} endpoint(s) already out"
                        + " (maxEjectionPercent)", pool, e, failures, health.budget().out(), health.budget().limit());
                return;
            }
            EndpointConnectException cause = new EndpointConnectException(e.uri(), "health check "
                    + Endpoint.describe(url) + " failed " + failures + " time(s) in a row: " + failure, 0, null);
            e.noteFailure(cause);
            health.endpointUnhealthy(e, HealthMonitor.Ejection.HEALTH_CHECK_FAILING, cause.getMessage(), cause);
        }
    }

    /** The health-check thread, started on first use. */
    private ExecutorService executor() {
        ExecutorService ex = executor;
        if (ex == null) {
            lock.lock();
            try {
                ex = executor;
                if (ex == null) {
                    ex = Executors.newSingleThreadExecutor(r -> {
                        Thread t = new Thread(r, "wspool-" + pool + "-health");
                        t.setDaemon(true);
                        thread = t;
                        return t;
                    });
                    executor = ex;
                }
            } finally {
                lock.unlock();
            }
        }
        return ex;
    }

    /** Stops the health-check thread and waits for it (a check in flight ends within its timeout). */
    public void close() {
        ExecutorService ex = executor;
        if (ex == null) {
            return;
        }
        ex.shutdownNow();
        try {
            // a check in flight ends within its timeout (connect and read are both bounded by it)
            long waitNanos = TimeUnit.MILLISECONDS.toNanos(settings.endpointHealthTimeout().toMillis() * 2 + 500);
            long deadline = System.nanoTime() + waitNanos;
            ex.awaitTermination(waitNanos, TimeUnit.NANOSECONDS);
            Thread t = thread;
            if (t != null) {
                DaemonThreads.joinAll(List.of(t), deadline);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
