package io.github.wspool;

import java.util.Map;

/**
 * A pool as a JMX MXBean, for JConsole, VisualVM, Jolokia and the like (HikariCP's {@code HikariPoolMXBean} is the
 * model). Registered with the platform MBean server as {@code io.github.wspool:type=Pool,name=<pool name>} when the
 * builder says {@code registerMbeans(true)}, and unregistered when the pool closes. Every method goes to the pool's
 * {@link PoolControl} or {@link WebSocketPool#stats()}; only open types are used (numbers, strings, string arrays and
 * maps of strings), so a generic JMX client reads everything without the pool's classes.
 */
public interface WebSocketPoolMXBean {

    /**
     * @return the pool's name
     */
    String getPoolName();

    /**
     * @return connections open or opening, in any state but CLOSED
     */
    int getTotalConnections();

    /**
     * @return connections leased now (ACTIVE)
     */
    int getActiveConnections();

    /**
     * @return connections available now (READY plus IDLE)
     */
    int getIdleConnections();

    /**
     * @return callers waiting for a connection (including those waiting for a suspended pool)
     */
    int getPendingAcquires();

    /**
     * Connections in one lifecycle state.
     *
     * @param state a {@link ConnectionState} name, case-insensitive ({@code "ACTIVE"}, {@code "idle"}, ...)
     * @return how many are in it now
     * @throws IllegalArgumentException if no state has that name
     */
    int getConnections(String state);

    /**
     * @return every {@link ConnectionState} name mapped to its count now, in lifecycle order
     */
    Map<String, Integer> getConnectionsByState();

    /**
     * @return each endpoint (its URI without credentials or query) mapped to whether it is healthy (in rotation)
     */
    Map<String, Boolean> getEndpointHealth();

    /**
     * @return {@code UP}, {@code DEGRADED} or {@code DOWN} ({@link PoolControl#health()})
     */
    String getHealthStatus();

    /**
     * @return why the health is not {@code UP}; empty when it is
     */
    String[] getHealthReasons();

    /**
     * @return the current {@code minConnections}
     */
    int getMinConnections();

    /**
     * Changes {@code minConnections} through {@link PoolControl#reconfigure(PoolReconfiguration)}.
     *
     * @param min zero or more, at most {@code maxConnections}
     * @throws IllegalArgumentException if invalid (nothing changes)
     */
    void setMinConnections(int min);

    /**
     * @return the current {@code maxConnections}
     */
    int getMaxConnections();

    /**
     * Changes {@code maxConnections} through {@link PoolControl#reconfigure(PoolReconfiguration)}.
     *
     * @param max at least 1 and at least {@code minConnections}
     * @throws IllegalArgumentException if invalid (nothing changes)
     */
    void setMaxConnections(int max);

    /**
     * @return the current {@code acquireTimeout} in milliseconds
     */
    long getAcquireTimeoutMillis();

    /**
     * Changes {@code acquireTimeout} through {@link PoolControl#reconfigure(PoolReconfiguration)}, for acquires
     * started afterwards.
     *
     * @param millis zero or positive
     * @throws IllegalArgumentException if negative (nothing changes)
     */
    void setAcquireTimeoutMillis(long millis);

    /** {@link PoolControl#suspend()}. */
    void suspend();

    /** {@link PoolControl#resume()}. */
    void resume();

    /**
     * @return {@link PoolControl#isSuspended()}
     */
    boolean isSuspended();

    /** {@link PoolControl#softEvict()}. */
    void softEvict();
}
