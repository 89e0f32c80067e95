package io.github.wspool.core;

import io.github.wspool.MessageHandler;
import io.github.wspool.SessionStore;
import io.github.wspool.SubscriptionProtocol;
import io.github.wspool.core.internal.session.SessionSettings;
import java.time.Duration;
import java.util.Objects;

/**
 * The builder's session options: the subscriptions' wire format, where their positions are kept, and how long a
 * subscribe waits for its acknowledgement.
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

    SessionSettings sessionSettings(MessageHandler poolHandler) {
        return new SessionSettings(subscriptionProtocol, sessionStore != null ? sessionStore
                : SessionStores.inMemory(), subscribeTimeout, poolHandler, RETRY_MIN, RETRY_MAX);
    }
}
