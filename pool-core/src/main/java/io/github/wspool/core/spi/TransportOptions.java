package io.github.wspool.core.spi;

import io.github.wspool.HeaderSupplier;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Per-connection options the pool passes to {@link Transport#connect}.
 *
 * <p>Transports take the upgrade request's headers from {@link #handshakeHeaders(URI)}, called once per connect on
 * the transport's own connecting thread (it may call the user's {@link HeaderSupplier}, which may block), and check
 * the server's choice of subprotocol with {@link #subprotocolProblem(String)}.
 *
 * @param connectTimeout      bound on what comes before the upgrade request, from the {@code connect} call: the
 *                            header supplier, name resolution, the TCP connect and a proxy's answer to
 *                            {@code CONNECT} (the pool bounds the whole handshake separately); a supplier or
 *                            resolution still running then fails the connect with a {@link LocalConnectException}
 * @param maxMessageSize      the largest inbound message the transport accepts, in bytes, whether it arrives in one
 *                            frame or assembled from continuation frames; a larger one closes the connection with
 *                            1009 (message too big)
 * @param headers             static HTTP headers for the upgrade request: the pool's, then the endpoint's (values are
 *                            secrets: never log them)
 * @param headerSupplier      called on every connect for headers that change (tokens), or {@code null}
 * @param refreshHeaders      whether this connect retries one whose upgrade was rejected with 401/403: the supplier is
 *                            asked for fresh credentials
 * @param subprotocols        the subprotocols to request in {@code Sec-WebSocket-Protocol}, in order of preference;
 *                            empty for none
 * @param subprotocolRequired whether a server that selects none of {@code subprotocols} fails the connect
 * @param tls                 how {@code wss://} connections are secured
 * @param proxy               whether, and through which HTTP proxy, connections go (the connect timeout bounds the
 *                            proxy's part too: TCP to the proxy and its answer to {@code CONNECT})
 * @param threadNamePrefix    prefix for any thread the transport starts for this connection
 * @param compression         whether to offer permessage-deflate (RFC 7692), and how
 * @param serverName          the name the endpoint's server is known by when its URI's host is one of the addresses
 *                            that name resolved to (DNS discovery), else {@code null}: sent in the {@code Host}
 *                            header and, over {@code wss://}, the TLS server name (SNI) and the name the server's
 *                            certificate is verified against; the connect still goes to the URI's host
 */
public record TransportOptions(Duration connectTimeout, int maxMessageSize, Map<String, String> headers,
                               HeaderSupplier headerSupplier, boolean refreshHeaders, List<String> subprotocols,
                               boolean subprotocolRequired, TlsOptions tls, ProxyOptions proxy,
                               String threadNamePrefix, CompressionOptions compression, String serverName) {

    /**
     * Validates and copies.
     *
     * @param connectTimeout      positive
     * @param maxMessageSize      positive
     * @param headers             not null
     * @param headerSupplier      may be null
     * @param refreshHeaders      see above
     * @param subprotocols        not null, no blank entries
     * @param subprotocolRequired see above
     * @param tls                 not null
     * @param proxy               not null ({@link ProxyOptions#DIRECT} for none)
     * @param threadNamePrefix    not null
     * @param compression         not null ({@link CompressionOptions#OFF} for none)
     * @param serverName          may be null, not blank
     */
    public TransportOptions {
        if (serverName != null && serverName.isBlank()) {
            throw new IllegalArgumentException("serverName must not be blank (null for none)");
        }
        Objects.requireNonNull(connectTimeout, "connectTimeout");
        Objects.requireNonNull(compression, "compression");
        Objects.requireNonNull(threadNamePrefix, "threadNamePrefix");
        Objects.requireNonNull(tls, "tls");
        Objects.requireNonNull(proxy, "proxy");
        headers = Map.copyOf(headers);
        subprotocols = List.copyOf(subprotocols);
        if (connectTimeout.isNegative() || connectTimeout.isZero()) {
            throw new IllegalArgumentException("connectTimeout must be positive, but was " + connectTimeout);
        }
        if (maxMessageSize < 1) {
            throw new IllegalArgumentException("maxMessageSize must be at least 1, but was " + maxMessageSize);
        }
        for (String p : subprotocols) {
            if (p.isBlank()) {
                throw new IllegalArgumentException("subprotocols must not contain a blank name, but were "
                        + subprotocols);
            }
        }
    }


    /**
     * Options with static headers only: no supplier, no subprotocol, default TLS, no proxy.
     *
     * @param connectTimeout   positive
     * @param maxMessageSize   positive
     * @param headers          not null
     * @param threadNamePrefix not null
     */
    public TransportOptions(Duration connectTimeout, int maxMessageSize, Map<String, String> headers,
                            String threadNamePrefix) {
        this(connectTimeout, maxMessageSize, headers, null, false, List.of(), false, TlsOptions.DEFAULT,
                ProxyOptions.DIRECT, threadNamePrefix, CompressionOptions.OFF, null);
    }


    /**
     * These options with other static headers.
     *
     * @param newHeaders the headers
     * @return a copy
     */
    public TransportOptions withHeaders(Map<String, String> newHeaders) {
        return new TransportOptions(connectTimeout, maxMessageSize, newHeaders, headerSupplier, refreshHeaders,
                subprotocols, subprotocolRequired, tls, proxy, threadNamePrefix, compression, serverName);
    }

    /**
     * These options with another server name (DNS discovery: the name an address-literal endpoint was found by).
     *
     * @param name the server's name, or {@code null} for the URI's host
     * @return a copy, or this if unchanged
     */
    public TransportOptions withServerName(String name) {
        return Objects.equals(name, serverName) ? this : new TransportOptions(connectTimeout, maxMessageSize,
                headers, headerSupplier, refreshHeaders, subprotocols, subprotocolRequired, tls, proxy,
                threadNamePrefix, compression, name);
    }

    /**
     * The name the server of {@code uri} is known by: {@link #serverName()} if set, else the URI's host (an IPv6
     * literal without its brackets). What TLS sends as the server name and verifies the certificate against.
     *
     * @param uri the endpoint being connected to
     * @return the name
     */
    public String serverNameFor(URI uri) {
        if (serverName != null) {
            return serverName;
        }
        String host = uri.getHost();
        return host != null && host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1)
                : host;
    }

    /**
     * These options for a connect that retries one rejected with 401/403.
     *
     * @param refresh whether to ask the supplier for fresh credentials
     * @return a copy, or this if unchanged
     */
    public TransportOptions withRefreshHeaders(boolean refresh) {
        return refresh == refreshHeaders ? this : new TransportOptions(connectTimeout, maxMessageSize, headers,
                headerSupplier, refresh, subprotocols, subprotocolRequired, tls, proxy, threadNamePrefix,
                compression, serverName);
    }

    /**
     * The headers for one opening handshake: the static ones, then the supplier's, which replace static ones of the
     * same name (case-insensitively). Call once per connect, on the transport's own thread.
     *
     * @param uri the endpoint being connected to
     * @return header names to values
     * @throws LocalConnectException if the supplier throws or returns an invalid header (a fault on this side, not the
     *                               server's); the message names the header, never a value
     */
    public Map<String, String> handshakeHeaders(URI uri) {
        if (headerSupplier == null) {
            return headers;
        }
        Map<String, String> supplied;
        try {
            supplied = headerSupplier.headers(uri, refreshHeaders);
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            throw new LocalConnectException(uri, "the header supplier failed (" + e.getClass().getName() + ")", e);
        }
        if (supplied == null) {
            throw new LocalConnectException(uri, "the header supplier returned null instead of a map", null);
        }
        Map<String, String> merged = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        merged.putAll(headers);
        for (Map.Entry<String, String> h : supplied.entrySet()) {
            String problem = HttpHeaders.problem(h.getKey(), h.getValue());
            if (problem != null) {
                throw new LocalConnectException(uri, "the header supplier returned an invalid header: " + problem,
                        null);
            }
            merged.put(h.getKey(), h.getValue());
        }
        return merged;
    }

    /**
     * Checks the server's {@code Sec-WebSocket-Protocol} answer against what was requested (RFC 6455 4.1: a client
     * fails the connection when the server selects a subprotocol it did not request).
     *
     * @param selected the header's value in the server's handshake response, {@code null} or empty if absent
     * @return {@code null} if acceptable, else why not (for the connect failure's message)
     */
    public String subprotocolProblem(String selected) {
        boolean none = selected == null || selected.isBlank();
        if (none) {
            return subprotocolRequired && !subprotocols.isEmpty()
                    ? "the server selected none of the requested subprotocols " + subprotocols
                            + " (no Sec-WebSocket-Protocol in its response)"
                    : null;
        }
        String s = selected.trim();
        return subprotocols.contains(s) ? null : "the server selected subprotocol '" + HttpHeaders.printable(s)
                + "', which was not requested (requested: " + subprotocols + ")";
    }

    /** Prints the options without header values. */
    @Override
    public String toString() {
        return "TransportOptions[connectTimeout=" + connectTimeout + ", maxMessageSize=" + maxMessageSize
                + ", headers=" + headers.keySet() + ", headerSupplier=" + (headerSupplier != null)
                + ", refreshHeaders=" + refreshHeaders + ", subprotocols=" + subprotocols + ", subprotocolRequired="
                + subprotocolRequired + ", tls=" + tls + ", proxy=" + proxy + ", threadNamePrefix="
                + threadNamePrefix + ", compression=" + compression + "]";
    }
}
