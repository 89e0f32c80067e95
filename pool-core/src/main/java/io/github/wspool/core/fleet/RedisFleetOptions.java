package io.github.wspool.core.fleet;

import java.time.Duration;
import java.util.Objects;

/**
 * How a {@link RedisFleet} uses Redis: its key prefix and its clocks. Immutable; each {@code with…} method returns a
 * copy. Start from {@link #defaults()}.
 *
 * <table>
 *   <caption>Fleet options and defaults</caption>
 *   <tr><th>option</th><th>default</th><th>meaning</th></tr>
 *   <tr><td>{@link #keyPrefix(String)}</td><td>{@code wspool:}</td><td>put before every key and channel, so that
 *       {@code conn:{id}} is {@code wspool:conn:{id}}</td></tr>
 *   <tr><td>{@link #heartbeatTtl(Duration)}</td><td>10 s</td><td>a registered server's record lives this long
 *       without a heartbeat (it is renewed every third of it); the registry is also re-read this often</td></tr>
 *   <tr><td>{@link #exchangePeriod(Duration)}</td><td>1 s</td><td>how often each joined pool publishes its
 *       connections, health and stats and reads the fleet's; its records live 3 periods (at least 3 s)</td></tr>
 *   <tr><td>{@link #suspectQuorum(int)}</td><td>1</td><td>other live instances that must report a server down for
 *       this one to pass it over</td></tr>
 *   <tr><td>{@link #commandTimeout(Duration)}</td><td>1 s</td><td>every Redis command fails after this; also the
 *       connect timeout</td></tr>
 *   <tr><td>{@link #sessionTtl(Duration)}</td><td>7 days</td><td>a client's stored subscription positions expire this
 *       long after its last write</td></tr>
 *   <tr><td>{@link #maxConnectionRecords(int)}</td><td>1,000</td><td>per-connection records ({@code conn:{id}})
 *       written by one pool per exchange at most; counts are never capped</td></tr>
 * </table>
 */
public final class RedisFleetOptions {

    private static final RedisFleetOptions DEFAULTS = new RedisFleetOptions("wspool:", Duration.ofSeconds(10),
            Duration.ofSeconds(1), 1, Duration.ofSeconds(1), Duration.ofDays(7), 1_000);

    private final String keyPrefix;
    private final Duration heartbeatTtl;
    private final Duration exchangePeriod;
    private final int suspectQuorum;
    private final Duration commandTimeout;
    private final Duration sessionTtl;
    private final int maxConnectionRecords;

    private RedisFleetOptions(String keyPrefix, Duration heartbeatTtl, Duration exchangePeriod, int suspectQuorum,
                              Duration commandTimeout, Duration sessionTtl, int maxConnectionRecords) {
        this.keyPrefix = keyPrefix;
        this.heartbeatTtl = heartbeatTtl;
        this.exchangePeriod = exchangePeriod;
        this.suspectQuorum = suspectQuorum;
        this.commandTimeout = commandTimeout;
        this.sessionTtl = sessionTtl;
        this.maxConnectionRecords = maxConnectionRecords;
    }

    /**
     * The defaults (see the table above).
     *
     * @return the default options
     */
    public static RedisFleetOptions defaults() {
        return DEFAULTS;
    }

    /**
     * Sets the prefix of every key and channel.
     *
     * @param prefix not null (may be empty)
     * @return a copy with the prefix
     */
    public RedisFleetOptions keyPrefix(String prefix) {
        Objects.requireNonNull(prefix, "keyPrefix must not be null");
        return new RedisFleetOptions(prefix, heartbeatTtl, exchangePeriod, suspectQuorum, commandTimeout, sessionTtl,
                maxConnectionRecords);
    }

    /**
     * Sets how long a registered server lives without a heartbeat.
     *
     * @param ttl at least 300 ms
     * @return a copy with the TTL
     */
    public RedisFleetOptions heartbeatTtl(Duration ttl) {
        return new RedisFleetOptions(keyPrefix, atLeast("heartbeatTtl", ttl, 300), exchangePeriod, suspectQuorum,
                commandTimeout, sessionTtl, maxConnectionRecords);
    }

    /**
     * Sets how often each joined pool exchanges its state with the fleet.
     *
     * @param period at least 50 ms
     * @return a copy with the period
     */
    public RedisFleetOptions exchangePeriod(Duration period) {
        return new RedisFleetOptions(keyPrefix, heartbeatTtl, atLeast("exchangePeriod", period, 50), suspectQuorum,
                commandTimeout, sessionTtl, maxConnectionRecords);
    }

    /**
     * Sets how many other live instances must report a server down for it to be suspected.
     *
     * @param quorum at least 1
     * @return a copy with the quorum
     */
    public RedisFleetOptions suspectQuorum(int quorum) {
        if (quorum < 1) {
            throw new IllegalArgumentException("suspectQuorum must be at least 1, but was " + quorum);
        }
        return new RedisFleetOptions(keyPrefix, heartbeatTtl, exchangePeriod, quorum, commandTimeout, sessionTtl,
                maxConnectionRecords);
    }

    /**
     * Sets the timeout of every Redis command and of connecting.
     *
     * @param timeout at least 10 ms
     * @return a copy with the timeout
     */
    public RedisFleetOptions commandTimeout(Duration timeout) {
        return new RedisFleetOptions(keyPrefix, heartbeatTtl, exchangePeriod, suspectQuorum,
                atLeast("commandTimeout", timeout, 10), sessionTtl, maxConnectionRecords);
    }

    /**
     * Sets how long a client's stored positions outlive its last write.
     *
     * @param ttl at least 1 s
     * @return a copy with the TTL
     */
    public RedisFleetOptions sessionTtl(Duration ttl) {
        return new RedisFleetOptions(keyPrefix, heartbeatTtl, exchangePeriod, suspectQuorum, commandTimeout,
                atLeast("sessionTtl", ttl, 1_000), maxConnectionRecords);
    }

    /**
     * Sets how many per-connection records one pool writes per exchange at most.
     *
     * @param max at least 1
     * @return a copy with the bound
     */
    public RedisFleetOptions maxConnectionRecords(int max) {
        if (max < 1) {
            throw new IllegalArgumentException("maxConnectionRecords must be at least 1, but was " + max);
        }
        return new RedisFleetOptions(keyPrefix, heartbeatTtl, exchangePeriod, suspectQuorum, commandTimeout,
                sessionTtl, max);
    }

    private static Duration atLeast(String name, Duration d, long minMillis) {
        Objects.requireNonNull(d, name + " must not be null");
        if (d.toMillis() < minMillis) {
            throw new IllegalArgumentException(name + " must be at least " + minMillis + " ms, but was " + d);
        }
        return d;
    }

    /**
     * The prefix of every key and channel.
     *
     * @return the prefix
     */
    public String keyPrefix() {
        return keyPrefix;
    }

    /**
     * How long a registered server lives without a heartbeat.
     *
     * @return the TTL
     */
    public Duration heartbeatTtl() {
        return heartbeatTtl;
    }

    /**
     * How often each joined pool exchanges its state.
     *
     * @return the period
     */
    public Duration exchangePeriod() {
        return exchangePeriod;
    }

    /**
     * Other live instances that must report a server down.
     *
     * @return the quorum
     */
    public int suspectQuorum() {
        return suspectQuorum;
    }

    /**
     * The timeout of every command and of connecting.
     *
     * @return the timeout
     */
    public Duration commandTimeout() {
        return commandTimeout;
    }

    /**
     * How long stored positions outlive their last write.
     *
     * @return the TTL
     */
    public Duration sessionTtl() {
        return sessionTtl;
    }

    /**
     * Per-connection records one pool writes per exchange at most.
     *
     * @return the bound
     */
    public int maxConnectionRecords() {
        return maxConnectionRecords;
    }

    /**
     * How long a pool's records (connections, health, stats, liveness) live: three exchange periods, at least 3 s.
     *
     * @return the TTL in milliseconds
     */
    long recordTtlMillis() {
        return Math.max(3_000, 3 * exchangePeriod.toMillis());
    }

    @Override
    public String toString() {
        return "RedisFleetOptions[keyPrefix=" + keyPrefix + ", heartbeatTtl=" + heartbeatTtl + ", exchangePeriod="
                + exchangePeriod + ", suspectQuorum=" + suspectQuorum + ", commandTimeout=" + commandTimeout
                + ", sessionTtl=" + sessionTtl + ", maxConnectionRecords=" + maxConnectionRecords + "]";
    }
}
