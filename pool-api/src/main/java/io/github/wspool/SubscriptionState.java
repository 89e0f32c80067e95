package io.github.wspool;

/**
 * Where a {@link Subscription} stands.
 *
 * <pre>
 *  subscribe ──► SUBSCRIBING ──ack──► ACTIVE ──connection lost, recycled, drained──► RECOVERING ──ack──► ACTIVE
 *                     │                  │                                              │
 *                     └──── close(), pool closed, server refused ─────────────────────► CLOSED
 * </pre>
 */
public enum SubscriptionState {
    /** The first subscribe is on its way (or waiting for a connection); no message delivered yet. */
    SUBSCRIBING,
    /** The server acknowledged the subscribe on the connection that carries it; messages flow. */
    ACTIVE,
    /**
     * The connection that carried it ended or is being retired; the pool is re-subscribing on another one from the
     * last position delivered. Nothing is lost meanwhile: the server replays from there.
     */
    RECOVERING,
    /** Closed by the application, by the pool's close, or because the server refused it; final. */
    CLOSED
}
