package io.github.wspool.core;

import io.github.wspool.InboundMessage;
import io.github.wspool.MessageHandler;
import io.github.wspool.SessionStore;
import io.github.wspool.SubscriptionProtocol;
import io.github.wspool.core.internal.session.SessionSettings;
import java.time.Duration;
import java.util.Objects;
import java.util.function.Predicate;

/**
 * The builder's session options: the subscriptions' wire format, where their positions are kept, how long a
 * subscribe waits for its acknowledgement, and how a server's drain notice is recognised and honoured.
 *
 * <p>One group of {@link WebSocketPoolBuilder}'s options, in a file of its own (the bottom of the stack
 * {@code SessionOptions} ← {@code MessageOptions} ← {@code HealthOptions} ← {@code ConnectionOptions} ←
 * {@code WebSocketPoolBuilder}); no other class extends it.
 */
abstract class SessionOptions {

    private static final Duration RETRY_MIN = Duration.ofMillis(50);
    private static final Duration RETRY_MAX = Duration.ofSeconds(5);

    private SubscriptionProtocol subscriptionProtocol = SubscriptionProtocols.json();
    private SessionStore sessionStore;
    private Duration subscribeTimeout = Duration.ofSeconds(10);
    private Predicate<InboundMessage> drainSignal;
    private Duration drainHoldOff = Duration.ofSeconds(10);

    SessionOptions() {
    }

    /** The builder itself, for chaining (every group is a {@link WebSocketPoolBuilder}). */
    final WebSocketPoolBuilder self() {
        return (WebSocketPoolBuilder) this;
    }

    /**
     * The wire format of {@link io.github.wspool.WebSocketPool#subscribe subscriptions}. Default:
     * {@link SubscriptionProtocols#json()}.
     *
     * @param protocol not null
     * @return this
     */
    public WebSocketPoolBuilder subscriptionProtocol(SubscriptionProtocol protocol) {
        this.subscriptionProtocol = Objects.requireNonNull(protocol, "subscriptionProtocol must not be null");
        return self();
    }

    /**
     * Where the last delivered position of each subscribed channel is kept; a subscribe without a start position
     * resumes from it. Default: a new {@link SessionStores#inMemory()} store per pool.
     *
     * @param store not null
     * @return this
     */
    public WebSocketPoolBuilder sessionStore(SessionStore store) {
        this.sessionStore = Objects.requireNonNull(store, "sessionStore must not be null");
        return self();
    }

    /**
     * How long a subscribe (or re-subscribe) waits for the server's acknowledgement. Past it the connection that
     * carries it is given up (invalidated) and its subscriptions move to another one. Default 10 s.
     *
     * @param timeout positive
     * @return this
     */
    public WebSocketPoolBuilder subscribeTimeout(Duration timeout) {
        this.subscribeTimeout = Check.positive("subscribeTimeout", timeout);
        return self();
    }

    /**
     * Recognises a server's drain notice among inbound messages, for example the seeds'
     * {@code {"type":"server:shutdown"}}:
     * <pre>{@code
     * .drainSignal(m -> m.isText() && m.text().contains("\"type\":\"server:shutdown\""))
     * }</pre>
     * Close frames with 1001 (going away), 1012 (service restart) and 1013 (try again later) are drain notices
     * without it. On a notice the server's endpoint takes no new leases (while another endpoint can serve), the
     * replacements the pool needs are opened on the other endpoints, current holders finish, and then the pool closes
     * that server's connections itself; subscriptions move to other connections first. The message still goes to
     * its handlers. The predicate runs on the I/O path for every inbound message: keep it cheap; one that throws
     * counts as "no".
     *
     * @param signal not null
     * @return this
     */
    public WebSocketPoolBuilder drainSignal(Predicate<InboundMessage> signal) {
        this.drainSignal = Objects.requireNonNull(signal, "drainSignal must not be null");
        return self();
    }

    /**
     * How long a server's drain notice keeps new leases and connections off its endpoint (while another can
     * serve); every new notice renews it. Long enough for the server to restart; after it the endpoint serves again
     * (if it is still down, its connects fail and its breaker judges it as usual). Default 10 s.
     *
     * @param holdOff positive
     * @return this
     */
    public WebSocketPoolBuilder drainHoldOff(Duration holdOff) {
        this.drainHoldOff = Check.positive("drainHoldOff", holdOff);
        return self();
    }

    SessionSettings sessionSettings(MessageHandler poolHandler) {
        return new SessionSettings(subscriptionProtocol, sessionStore != null ? sessionStore
                : SessionStores.inMemory(), subscribeTimeout, poolHandler, RETRY_MIN, RETRY_MAX, drainSignal,
                drainHoldOff);
    }
}
