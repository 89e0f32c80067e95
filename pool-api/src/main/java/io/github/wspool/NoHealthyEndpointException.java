package io.github.wspool;

import java.net.URI;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * No endpoint of the pool is healthy, so the acquire fails at once instead of waiting out its timeout.
 *
 * <p>{@link #lastFailures()} maps each endpoint to its last connect failure (for example {@code Connection refused}
 * or a {@code 503} at the upgrade); the message lists them, and the first of them is the cause. Pools built with
 * panic mode on try every endpoint instead of throwing this.
 */
public class NoHealthyEndpointException extends PoolException {

    private static final long serialVersionUID = 1L;

    private final transient Map<URI, Throwable> lastFailures;

    /**
     * @param poolName     the pool's name
     * @param lastFailures each endpoint's last failure ({@code null} values for endpoints that are unhealthy for
     *                     another reason, e.g. being removed); iteration order is kept
     */
    public NoHealthyEndpointException(String poolName, Map<URI, Throwable> lastFailures) {
        super(message(poolName, lastFailures), firstFailure(lastFailures));
        this.lastFailures = Collections.unmodifiableMap(new LinkedHashMap<>(lastFailures));
    }

    private static String message(String poolName, Map<URI, Throwable> lastFailures) {
        StringBuilder sb = new StringBuilder("Pool '").append(poolName)
                .append("': no healthy endpoint; last failure of each: ");
        boolean first = true;
        for (Map.Entry<URI, Throwable> e : lastFailures.entrySet()) {
            if (!first) {
                sb.append("; ");
            }
            first = false;
            Throwable t = e.getValue();
            sb.append(Endpoint.describe(e.getKey())).append(" -> ")
                    .append(t == null ? "unavailable (draining)" : t.getMessage());
        }
        return sb.toString();
    }

    private static Throwable firstFailure(Map<URI, Throwable> lastFailures) {
        for (Throwable t : lastFailures.values()) {
            if (t != null) {
                return t;
            }
        }
        return null;
    }

    /**
     * @return each endpoint's last failure, in configuration order (empty after deserialization)
     */
    public Map<URI, Throwable> lastFailures() {
        return lastFailures == null ? Map.of() : lastFailures;
    }
}
