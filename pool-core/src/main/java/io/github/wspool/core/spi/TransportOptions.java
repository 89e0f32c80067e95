package io.github.wspool.core.spi;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * Per-connection options the pool passes to {@link Transport#connect}.
 *
 * @param connectTimeout bound on TCP connect (the pool bounds the whole handshake separately)
 * @param maxMessageSize the largest inbound frame the transport accepts, in bytes
 * @param headers        extra HTTP headers for the upgrade request (values are secrets: never log them)
 * @param threadNamePrefix prefix for any thread the transport starts for this connection
 */
public record TransportOptions(Duration connectTimeout, int maxMessageSize, Map<String, String> headers,
                               String threadNamePrefix) {

    /**
     * Validates and copies.
     *
     * @param connectTimeout   positive
     * @param maxMessageSize   positive
     * @param headers          not null
     * @param threadNamePrefix not null
     */
    public TransportOptions {
        Objects.requireNonNull(connectTimeout, "connectTimeout");
        Objects.requireNonNull(threadNamePrefix, "threadNamePrefix");
        headers = Map.copyOf(headers);
        if (connectTimeout.isNegative() || connectTimeout.isZero()) {
            throw new IllegalArgumentException("connectTimeout must be positive, but was " + connectTimeout);
        }
        if (maxMessageSize < 1) {
            throw new IllegalArgumentException("maxMessageSize must be at least 1, but was " + maxMessageSize);
        }
    }

    /** Prints the options without header values. */
    @Override
    public String toString() {
        return "TransportOptions[connectTimeout=" + connectTimeout + ", maxMessageSize=" + maxMessageSize
                + ", headers=" + headers.keySet() + ", threadNamePrefix=" + threadNamePrefix + "]";
    }
}
