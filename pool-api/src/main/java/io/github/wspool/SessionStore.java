package io.github.wspool;

import java.util.OptionalLong;

/**
 * Where a pool keeps the last delivered position of each subscribed channel (SPI). The default keeps them in memory
 * for the pool's life; a store that outlives the process (Redis, a file) lets a restarted application resume every
 * channel where it stopped: a {@link WebSocketPool#subscribe subscribe} without an explicit start position resumes
 * from the stored one.
 *
 * <p>{@link #save} is called on the message executor after each message the listener returned from, so it must be
 * quick (batch writes to a remote store behind it). Implementations must be thread-safe and must not throw; a store
 * that throws is logged and counted, and delivery goes on.
 */
public interface SessionStore {

    /**
     * The last delivered position of a channel.
     *
     * @param pool    the pool's name (the scope)
     * @param channel the channel
     * @return the position, or empty if none is stored
     */
    OptionalLong load(String pool, String channel);

    /**
     * Records that {@code position} was delivered.
     *
     * @param pool     the pool's name
     * @param channel  the channel
     * @param position the last delivered position
     */
    void save(String pool, String channel, long position);

    /**
     * Forgets a channel: the application closed its subscription.
     *
     * @param pool    the pool's name
     * @param channel the channel
     */
    void remove(String pool, String channel);
}
