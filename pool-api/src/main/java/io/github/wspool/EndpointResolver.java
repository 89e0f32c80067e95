package io.github.wspool;

import java.net.URI;
import java.util.Collection;
import java.util.Objects;

/**
 * Where a pool's endpoints come from when they change while it runs: DNS (every address of a name), a registry
 * (fleet mode's Redis server registry), an operator's list. The pool subscribes once when it is built
 * ({@link #subscribe(Listener)}) and reconciles every set it is given with the endpoints it has from this resolver:
 * new ones join at once, one that vanished is removed through the pool's drain (no new leases; its connections close as
 * their leases come back, never dropping one), a changed weight applies from the next pick. Endpoints given to the
 * builder directly are the pool's own and are never touched by a resolver.
 *
 * <p>Contract:
 * <ul>
 *   <li>{@link Listener#endpoints(Collection)} gets the <em>whole</em> current set each time, not a change; the
 *       first as soon as the resolver has one. A resolver that cannot tell (its source is unreachable) keeps quiet
 *       rather than sending an empty set: an empty set removes every endpoint it gave.</li>
 *   <li>Calls to one listener are made one at a time (the pool serializes them anyway) and must not block for long.</li>
 *   <li>{@link #connectFailed(URI)} is a hint from the pool, called on its threads; it must not block.</li>
 * </ul>
 */
public interface EndpointResolver {

    /**
     * Starts delivering endpoint sets to {@code listener} until the returned handle is closed (the pool closes it when
     * it closes).
     *
     * @param listener told each new set
     * @return closes this subscription; closing twice is harmless
     */
    AutoCloseable subscribe(Listener listener);

    /**
     * A hint that a connect to one of this resolver's endpoints failed: a resolver may refresh sooner than planned
     * (the DNS resolver does, within its minimum interval). Default: nothing.
     *
     * @param endpoint the endpoint's URI as the resolver gave it
     */
    default void connectFailed(URI endpoint) {
    }

    /** Receives endpoint sets. */
    @FunctionalInterface
    interface Listener {
        /**
         * The whole set of endpoints the resolver knows now, replacing the one before.
         *
         * @param endpoints the endpoints; may be empty; not kept by the pool
         */
        void endpoints(Collection<Target> endpoints);
    }

    /**
     * One endpoint a resolver found.
     *
     * @param uri        a {@code ws://} or {@code wss://} URI; its host may be an address literal
     * @param weight     at least 1
     * @param serverName the host name to send in the {@code Host} header and to verify the server's TLS certificate
     *                   against when {@code uri}'s host is an address a name resolved to (DNS discovery), else
     *                   {@code null} (the URI's host is used)
     */
    record Target(URI uri, int weight, String serverName) {

        /**
         * Validates.
         *
         * @param uri        not null, {@code ws} or {@code wss}
         * @param weight     at least 1
         * @param serverName may be null, not blank
         */
        public Target {
            Objects.requireNonNull(uri, "uri");
            String scheme = uri.getScheme();
            if (!"ws".equalsIgnoreCase(scheme) && !"wss".equalsIgnoreCase(scheme)) {
                throw new IllegalArgumentException("a resolved endpoint must be ws:// or wss://, but was "
                        + Endpoint.describe(uri));
            }
            if (weight < 1) {
                throw new IllegalArgumentException("a resolved endpoint's weight must be at least 1, but was " + weight
                        + " for " + Endpoint.describe(uri));
            }
            if (serverName != null && serverName.isBlank()) {
                throw new IllegalArgumentException("serverName must not be blank (null for none), for "
                        + Endpoint.describe(uri));
            }
        }

        /**
         * An endpoint with weight 1 and no separate server name.
         *
         * @param uri the endpoint
         * @return the target
         */
        public static Target of(URI uri) {
            return new Target(uri, 1, null);
        }
    }
}
