package io.github.wspool;

import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;

/**
 * An immutable snapshot of a pool's connections by lifecycle state, and of the callers waiting for one.
 *
 * <p>The counts are read without stopping the pool, so under concurrent use they are a consistent-enough picture
 * for monitoring and error messages, not a transactional view.
 */
public final class PoolStats {

    private static final ConnectionState[] STATES = ConnectionState.values();

    private final int[] counts;
    private final int pending;
    private final java.util.List<EndpointSnapshot> endpoints;

    private PoolStats(int[] counts, int pending, java.util.List<EndpointSnapshot> endpoints) {
        this.counts = counts;
        this.pending = pending;
        this.endpoints = endpoints;
    }

    /**
     * Builds a snapshot.
     *
     * @param countsByState number of connections in each state; missing states count as zero
     * @param pending       number of callers waiting in {@code acquire}
     * @return the snapshot
     * @throws IllegalArgumentException if a count or {@code pending} is negative
     */
    public static PoolStats of(Map<ConnectionState, Integer> countsByState, int pending) {
        return of(countsByState, pending, java.util.List.of());
    }

    /**
     * Builds a snapshot with per-endpoint detail.
     *
     * @param countsByState number of connections in each state; missing states count as zero
     * @param pending       number of callers waiting in {@code acquire}
     * @param endpoints     one entry per endpoint, in configuration order
     * @return the snapshot
     * @throws IllegalArgumentException if a count or {@code pending} is negative
     */
    public static PoolStats of(Map<ConnectionState, Integer> countsByState, int pending,
                               java.util.List<EndpointSnapshot> endpoints) {
        Objects.requireNonNull(countsByState, "countsByState");
        if (pending < 0) {
            throw new IllegalArgumentException("pending must be >= 0, but was " + pending);
        }
        int[] counts = new int[STATES.length];
        for (Map.Entry<ConnectionState, Integer> e : countsByState.entrySet()) {
            int n = Objects.requireNonNull(e.getValue(), "count");
            if (n < 0) {
                throw new IllegalArgumentException("count of " + e.getKey() + " must be >= 0, but was " + n);
            }
            counts[e.getKey().ordinal()] = n;
        }
        return new PoolStats(counts, pending, java.util.List.copyOf(endpoints));
    }

    /**
     * Connections that hold a slot of {@code maxConnections}: every state except {@link ConnectionState#FAILED}
     * and {@link ConnectionState#CLOSED} (so a connection still handshaking counts).
     *
     * @return the number of open or opening connections
     */
    public int total() {
        int total = 0;
        for (ConnectionState s : STATES) {
            if (s.holdsSlot()) {
                total += counts[s.ordinal()];
            }
        }
        return total;
    }

    /**
     * Connections currently leased.
     *
     * @return the {@link ConnectionState#ACTIVE} count
     */
    public int active() {
        return counts[ConnectionState.ACTIVE.ordinal()];
    }

    /**
     * Connections available to {@code acquire()} without waiting: {@link ConnectionState#READY} plus
     * {@link ConnectionState#IDLE}.
     *
     * @return the available count
     */
    public int idle() {
        return counts[ConnectionState.READY.ordinal()] + counts[ConnectionState.IDLE.ordinal()];
    }

    /**
     * Callers waiting in {@code acquire()} or {@code acquireAsync()} for a connection.
     *
     * @return the number of waiting acquirers
     */
    public int pending() {
        return pending;
    }

    /**
     * Connections in one state.
     *
     * @param state the state
     * @return how many connections are in it
     */
    public int count(ConnectionState state) {
        return counts[Objects.requireNonNull(state, "state").ordinal()];
    }

    /**
     * Per-endpoint detail, in configuration order (empty for a snapshot built without it).
     *
     * @return an unmodifiable list
     */
    public java.util.List<EndpointSnapshot> endpoints() {
        return endpoints;
    }

    /**
     * All per-state counts.
     *
     * @return a new map from every state to its count
     */
    public Map<ConnectionState, Integer> countsByState() {
        Map<ConnectionState, Integer> map = new EnumMap<>(ConnectionState.class);
        for (ConnectionState s : STATES) {
            map.put(s, counts[s.ordinal()]);
        }
        return map;
    }

    /**
     * Formats the counts the way error messages quote them ({@code total=…, active=…, idle=…, pending=…}), followed
     * by one line per endpoint.
     *
     * @return a multi-line description when there is endpoint detail
     */
    public String describe() {
        StringBuilder sb = new StringBuilder(toString());
        for (EndpointSnapshot e : endpoints) {
            sb.append(System.lineSeparator()).append("  ").append(e);
        }
        return sb.toString();
    }

    /** Formats the snapshot the way error messages quote it: {@code total=…, active=…, idle=…, pending=…}. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder()
                .append("total=").append(total())
                .append(", active=").append(active())
                .append(", idle=").append(idle())
                .append(", pending=").append(pending);
        appendIfPositive(sb, "connecting", ConnectionState.INITIALIZING);
        appendIfPositive(sb, "unhealthy", ConnectionState.UNHEALTHY);
        appendIfPositive(sb, "recycling", ConnectionState.RECYCLING);
        return sb.toString();
    }

    private void appendIfPositive(StringBuilder sb, String label, ConnectionState state) {
        int n = counts[state.ordinal()];
        if (n > 0) {
            sb.append(", ").append(label).append('=').append(n);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PoolStats other && other.pending == pending && java.util.Arrays.equals(other.counts, counts);
    }

    @Override
    public int hashCode() {
        return 31 * java.util.Arrays.hashCode(counts) + pending;
    }
}
