package io.github.wspool;

import java.util.Objects;

/**
 * How to start a subscription: where in the channel's stream, and which endpoint should carry it. Immutable; start
 * from {@link #defaults()}.
 *
 * <pre>{@code
 * pool.subscribe("orders", SubscriptionOptions.defaults().since(4_711).affinityKey("tenant-7"), listener);
 * }</pre>
 */
public final class SubscriptionOptions {

    private static final SubscriptionOptions DEFAULTS = new SubscriptionOptions(-1, null);

    private final long since;
    private final String affinityKey;

    private SubscriptionOptions(long since, String affinityKey) {
        this.since = since;
        this.affinityKey = affinityKey;
    }

    /**
     * No start position (the server's live stream, or the position the pool's {@link SessionStore} remembers for the
     * channel) and no affinity.
     *
     * @return the defaults
     */
    public static SubscriptionOptions defaults() {
        return DEFAULTS;
    }

    /**
     * Starts after {@code position}: the server replays from {@code position + 1} (as if the application had already
     * delivered up to {@code position}); a hole it cannot fill is reported to {@link SubscriptionListener#onGap}.
     * Overrides the position the session store remembers.
     *
     * @param position zero or positive
     * @return options with that start position
     * @throws IllegalArgumentException if {@code position} is negative
     */
    public SubscriptionOptions since(long position) {
        if (position < 0) {
            throw new IllegalArgumentException("since must be zero or positive, but was " + position);
        }
        return new SubscriptionOptions(position, affinityKey);
    }

    /**
     * Carries the subscription on a connection to the endpoint that serves {@code key} (as
     * {@link WebSocketPool#acquire(String)}); subscriptions with the same key share a connection.
     *
     * @param key not null or blank
     * @return options with that affinity key
     * @throws IllegalArgumentException if {@code key} is blank
     */
    public SubscriptionOptions affinityKey(String key) {
        Objects.requireNonNull(key, "affinity key must not be null");
        if (key.isBlank()) {
            throw new IllegalArgumentException("affinity key must not be blank, but was '" + key + "'");
        }
        return new SubscriptionOptions(since, key);
    }

    /**
     * The start position, or {@code -1} if none was given.
     *
     * @return the position after which delivery starts, or {@code -1}
     */
    public long since() {
        return since;
    }

    /**
     * The affinity key, or {@code null}.
     *
     * @return the key
     */
    public String affinityKey() {
        return affinityKey;
    }

    @Override
    public String toString() {
        return "SubscriptionOptions[since=" + since + ", affinityKey=" + affinityKey + "]";
    }
}
