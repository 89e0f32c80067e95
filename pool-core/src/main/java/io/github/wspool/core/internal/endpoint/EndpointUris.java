package io.github.wspool.core.internal.endpoint;

import io.github.wspool.Endpoint;
import java.net.URI;
import java.util.Locale;

/** Validation of endpoint URIs and weights, shared by the builder and runtime endpoint changes. */
public final class EndpointUris {

    private EndpointUris() {
    }

    /**
     * Checks that {@code uri} is a {@code ws://} or {@code wss://} URI with a host.
     *
     * @throws IllegalArgumentException naming the URI (without user-info or query) otherwise
     */
    public static URI requireWebSocketUri(URI uri) {
        if (uri == null) {
            throw new IllegalArgumentException("endpoint URI must not be null");
        }
        String scheme = uri.getScheme() == null ? null : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!"ws".equals(scheme) && !"wss".equals(scheme)) {
            throw new IllegalArgumentException("endpoint URI must use the ws or wss scheme, but was '"
                    + Endpoint.describe(uri) + "'");
        }
        if (uri.getHost() == null || uri.getHost().isEmpty()) {
            throw new IllegalArgumentException("endpoint URI must name a host, but was '" + Endpoint.describe(uri) + "'");
        }
        return uri;
    }

    /**
     * Checks an endpoint weight.
     *
     * @throws IllegalArgumentException if below 1
     */
    public static int requireWeight(URI uri, int weight) {
        if (weight < 1) {
            throw new IllegalArgumentException("weight of endpoint " + Endpoint.describe(uri) + " must be at least 1,"
                    + " but was " + weight);
        }
        return weight;
    }
}
