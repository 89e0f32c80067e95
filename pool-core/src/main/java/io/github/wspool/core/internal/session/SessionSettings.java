package io.github.wspool.core.internal.session;

import io.github.wspool.InboundMessage;
import io.github.wspool.MessageHandler;
import io.github.wspool.SessionStore;
import io.github.wspool.SubscriptionProtocol;
import java.time.Duration;
import java.util.Objects;
import java.util.function.Predicate;

/**
 * What the subscriptions need to know.
 *
 * @param protocol         the wire format
 * @param store            where delivered positions are kept
 * @param subscribeTimeout how long a subscribe waits for its acknowledgement before its connection is given up
 * @param poolHandler      the pool's message handler, for what arrives on a carrying connection and is not a
 *                         subscription's; or {@code null}
 * @param retryMin         the first retry delay after a failed placement (then doubling, with jitter)
 * @param retryMax         the largest retry delay
 * @param drainSignal      recognises a server's drain notice among inbound messages, or {@code null}
 * @param drainHoldOff     how long a drain notice keeps leases off its endpoint
 */
public record SessionSettings(SubscriptionProtocol protocol, SessionStore store, Duration subscribeTimeout,
                              MessageHandler poolHandler, Duration retryMin, Duration retryMax,
                              Predicate<InboundMessage> drainSignal, Duration drainHoldOff) {

    /** Checks the settings. */
    public SessionSettings {
        Objects.requireNonNull(protocol, "protocol");
        Objects.requireNonNull(store, "store");
        Objects.requireNonNull(subscribeTimeout, "subscribeTimeout");
        Objects.requireNonNull(retryMin, "retryMin");
        Objects.requireNonNull(retryMax, "retryMax");
        Objects.requireNonNull(drainHoldOff, "drainHoldOff");
    }
}
