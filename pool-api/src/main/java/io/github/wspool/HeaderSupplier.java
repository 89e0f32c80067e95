package io.github.wspool;

import java.net.URI;
import java.util.Map;

/**
 * Supplies HTTP headers for each WebSocket opening handshake, typically credentials that expire, such as a JWT in
 * {@code Authorization}. The pool calls it on every connect, so a token refreshed before it expires is picked up by
 * the next connection without rebuilding the pool.
 *
 * <p>When a server rejects the upgrade with {@code 401} or {@code 403}, the pool calls the supplier again with
 * {@code refresh = true} and retries that connect once before counting it as a failure: return fresh credentials
 * then, not cached ones.
 *
 * <p>The supplier runs on the transport's connecting thread, not on the thread that called {@code acquire}, and may
 * run concurrently for several connects; it may block (for example to fetch a token), which delays that connect
 * only. What it returns is added to the pool's and the endpoint's static headers and replaces those of the same name
 * (names compare case-insensitively). Values are treated as secrets: they never appear in logs, exception messages,
 * {@code toString()} or metric tags. A supplier that throws, or returns an invalid header, fails that connect with an
 * {@link EndpointConnectException} that names the problem but never a value.
 *
 * <pre>{@code
 * builder.headers((endpoint, refresh) -> Map.of("Authorization", "Bearer " + tokens.current(refresh)));
 * }</pre>
 */
@FunctionalInterface
public interface HeaderSupplier {

    /**
     * Returns the headers for one opening handshake.
     *
     * @param endpoint the endpoint being connected to
     * @param refresh  {@code true} when the previous handshake of this connect was rejected with {@code 401} or
     *                 {@code 403}: the credentials it carried were refused, so return fresh ones
     * @return header names to values; not {@code null} (an empty map adds nothing)
     * @throws Exception if the headers cannot be produced; the connect fails with it as the cause
     */
    Map<String, String> headers(URI endpoint, boolean refresh) throws Exception;
}
