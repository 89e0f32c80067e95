package io.github.wspool.event;

/**
 * Something happened to a subscription: it was acknowledged, lost its connection, was re-subscribed, found a hole,
 * dropped a duplicate, was refused or closed.
 *
 * @param pool         the pool's name
 * @param channel      the channel
 * @param kind         what happened
 * @param connectionId the connection concerned (the one that carries it, was lost, or sent the duplicate), or
 *                     {@code null}
 * @param position     the last position delivered when it happened ({@code -1} for none); for
 *                     {@link Kind#DUPLICATE_DROPPED}, the duplicate's position
 * @param recovered    for {@link Kind#RESUBSCRIBED}: whether the server said it replays what was missed
 * @param gapFrom      for {@link Kind#GAP}: the first missing position, else {@code -1}
 * @param gapTo        for {@link Kind#GAP}: the last missing position (included), else {@code -1}
 */
public record SubscriptionEvent(String pool, String channel, Kind kind, String connectionId, long position,
                                boolean recovered, long gapFrom, long gapTo) {

    /** What happened. */
    public enum Kind {
        /** The server acknowledged the first subscribe. */
        SUBSCRIBED,
        /** The connection that carried it ended or is being retired; re-subscribing elsewhere. */
        RECOVERING,
        /** The server acknowledged a re-subscribe ({@link #recovered()} says whether it replays the missed part). */
        RESUBSCRIBED,
        /** Positions {@link #gapFrom()}..{@link #gapTo()} will never arrive (reported to the listener's onGap). */
        GAP,
        /** A message at or below the last delivered position arrived again and was dropped. */
        DUPLICATE_DROPPED,
        /** The server answered the subscribe with an error; the subscription is closed. */
        REFUSED,
        /** The subscription is closed (by the application or the pool). */
        CLOSED
    }
}
