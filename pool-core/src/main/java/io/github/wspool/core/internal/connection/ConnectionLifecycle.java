package io.github.wspool.core.internal.connection;

import static io.github.wspool.ConnectionState.ACTIVE;
import static io.github.wspool.ConnectionState.CLOSED;
import static io.github.wspool.ConnectionState.FAILED;
import static io.github.wspool.ConnectionState.IDLE;
import static io.github.wspool.ConnectionState.INITIALIZING;
import static io.github.wspool.ConnectionState.READY;
import static io.github.wspool.ConnectionState.RECYCLING;
import static io.github.wspool.ConnectionState.UNHEALTHY;

import io.github.wspool.ConnectionState;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

/**
 * The one transition table of the connection lifecycle (the diagram is in {@code pool-core/ARCHITECTURE.md}). Every
 * state change of a {@link ManagedConnection} is checked against it, and only {@code ManagedConnection}'s named moves
 * change a state.
 *
 * <pre>
 * INITIALIZING -&gt; READY | FAILED
 * READY        -&gt; ACTIVE | IDLE | UNHEALTHY | RECYCLING
 * IDLE         -&gt; ACTIVE | UNHEALTHY | RECYCLING
 * ACTIVE       -&gt; READY | UNHEALTHY | RECYCLING
 * UNHEALTHY    -&gt; RECYCLING
 * FAILED       -&gt; RECYCLING
 * RECYCLING    -&gt; CLOSED
 * CLOSED       (terminal)
 * </pre>
 *
 * <p>Why these extra edges beyond the diagram's arrows: READY and IDLE connections can be found broken by a probe or
 * a peer close (→ UNHEALTHY or straight to RECYCLING), and an ACTIVE connection is recycled directly on release
 * when it expired, was invalidated, or the pool does not pool.
 */
public final class ConnectionLifecycle {

    private static final Map<ConnectionState, Set<ConnectionState>> LEGAL = new EnumMap<>(ConnectionState.class);

    static {
        LEGAL.put(INITIALIZING, EnumSet.of(READY, FAILED));
        LEGAL.put(READY, EnumSet.of(ACTIVE, IDLE, UNHEALTHY, RECYCLING));
        LEGAL.put(IDLE, EnumSet.of(ACTIVE, UNHEALTHY, RECYCLING));
        LEGAL.put(ACTIVE, EnumSet.of(READY, UNHEALTHY, RECYCLING));
        LEGAL.put(UNHEALTHY, EnumSet.of(RECYCLING));
        LEGAL.put(FAILED, EnumSet.of(RECYCLING));
        LEGAL.put(RECYCLING, EnumSet.of(CLOSED));
        LEGAL.put(CLOSED, EnumSet.noneOf(ConnectionState.class));
    }

    /**
     * The same table as one bit per (from, to) pair, bit {@code from * 8 + to}, for the hot path: a constant, so a
     * check is a shift and a mask, no memory read.
     */
    private static final long BITS = bits();

    private static long bits() {
        if (ConnectionState.values().length > 8) {
            throw new ExceptionInInitializerError("the lifecycle bit table holds 8 states");
        }
        long bits = 0;
        for (Map.Entry<ConnectionState, Set<ConnectionState>> e : LEGAL.entrySet()) {
            for (ConnectionState to : e.getValue()) {
                bits |= 1L << (e.getKey().ordinal() * 8 + to.ordinal());
            }
        }
        return bits;
    }

    private ConnectionLifecycle() {
    }

    /**
     * Whether the lifecycle allows {@code from → to}.
     *
     * @param from the current state
     * @param to   the next state
     * @return {@code true} if legal
     */
    public static boolean isLegal(ConnectionState from, ConnectionState to) {
        return (BITS >>> (from.ordinal() * 8 + to.ordinal()) & 1) != 0;
    }
}
