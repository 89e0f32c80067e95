package io.github.wspool.core.internal.endpoint;

import io.github.wspool.core.internal.connection.EndpointState;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The most endpoints that may be out of rotation at once ({@code maxEjectionPercent}, Envoy's
 * {@code max_ejection_percent}): a failure that could eject an endpoint (a failed connect recorded in its breaker, an
 * ejection for failing connections, a failing HTTP check) counts only while fewer than the budget are out. So a
 * fault that hits every endpoint at once (the client's own network, a shared dependency) leaves at least the rest in
 * rotation instead of ejecting them all, and the last healthy endpoints are never ejected by their errors.
 *
 * <p>Lock-free and conservative: a counting attempt reserves a place while it runs, so two endpoints failing at the
 * same instant never together pass the budget (one of them may miss counting that one failure).
 */
public final class EjectionBudget {

    private final EndpointRegistry endpoints;
    private final int percent;
    private final AtomicInteger reserved = new AtomicInteger();

    /**
     * @param endpoints the pool's endpoints
     * @param percent   0 to 100: the share of endpoints that may be out at once (0: none; otherwise at least one)
     */
    public EjectionBudget(EndpointRegistry endpoints, int percent) {
        this.endpoints = endpoints;
        this.percent = percent;
    }

    /**
     * How many endpoints may be out of rotation at once.
     *
     * @return the budget
     */
    public int limit() {
        int n = 0;
        for (EndpointState e : endpoints.array()) {
            if (!e.isDraining()) {
                n++;
            }
        }
        if (percent <= 0) {
            return 0;
        }
        return percent >= 100 ? n : Math.max(1, n * percent / 100);
    }

    /**
     * How many endpoints are out of rotation now (ejected, or failing their HTTP check), draining ones aside.
     *
     * @return the count
     */
    public int out() {
        int n = 0;
        for (EndpointState e : endpoints.array()) {
            if (!e.isDraining() && (e.isEjected() || e.checkFailing())) {
                n++;
            }
        }
        return n;
    }

    /**
     * Runs {@code count} (which may take {@code e} out of rotation) if the budget allows it: {@code e} is out
     * already, or fewer than the budget are out, counting those being decided right now.
     *
     * @param e     the endpoint a failure would count against
     * @param count records the failure
     * @return whether it ran
     */
    public boolean tryCount(EndpointState e, Runnable count) {
        if (e.isEjected() || e.checkFailing()) {
            count.run();
            return true;
        }
        int deciding = reserved.incrementAndGet();
        try {
            if (out() + deciding > limit()) {
                return false;
            }
            count.run();
            return true;
        } finally {
            reserved.decrementAndGet();
        }
    }
}
