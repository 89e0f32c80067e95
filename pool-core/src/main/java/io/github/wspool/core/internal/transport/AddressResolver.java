package io.github.wspool.core.internal.transport;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import org.java_websocket.WebSocketImpl;

/**
 * Where a connect goes: the socket addresses a host name resolves to, tried in turn by both transports until one
 * accepts (RFC 6455 4.1 leaves the choice to the client; a host with an unreachable IPv6 and a working IPv4 address,
 * or a cluster name listing several nodes, must not fail on its first address). Plus the two things a URI implies
 * for the opening handshake that both transports share: its port and its {@code Host} header.
 *
 * <p>{@link #SYSTEM} asks the JVM's resolver ({@link InetAddress#getAllByName}), in the order it answers. The
 * transports take a resolver in a constructor that is not reachable from the public API: it is a seam for tests,
 * which connect names such as {@code multi.test} to loopback sockets without touching DNS (Java 17 has no resolver
 * SPI of its own).
 */
@FunctionalInterface
public interface AddressResolver {

    /** The JVM's resolver: every address of the host, in the order the system gives them, each with the port. */
    AddressResolver SYSTEM = (host, port) -> {
        InetAddress[] all = InetAddress.getAllByName(host);
        List<InetSocketAddress> list = new ArrayList<>(all.length);
        for (InetAddress a : all) {
            list.add(new InetSocketAddress(a, port));
        }
        return list;
    };

    /**
     * The addresses to try for {@code host}, in order.
     *
     * @param host the URI's host (an IPv6 literal in brackets, as {@link URI#getHost()} gives it)
     * @param port the port to connect to
     * @return at least one address
     * @throws UnknownHostException if the name does not resolve
     */
    List<InetSocketAddress> resolve(String host, int port) throws UnknownHostException;

    /**
     * The port a {@code ws://} or {@code wss://} URI connects to: its own, or the scheme's default (80, 443).
     *
     * @param uri the endpoint
     * @return the port
     */
    static int port(URI uri) {
        if (uri.getPort() != -1) {
            return uri.getPort();
        }
        return secure(uri) ? WebSocketImpl.DEFAULT_WSS_PORT : WebSocketImpl.DEFAULT_PORT;
    }

    /**
     * Whether the URI is {@code wss://}.
     *
     * @param uri the endpoint
     * @return {@code true} for TLS
     */
    static boolean secure(URI uri) {
        return "wss".equalsIgnoreCase(uri.getScheme());
    }

    /**
     * The {@code Host} header of the opening handshake (RFC 6455 4.1, RFC 7230 5.4): the host, and the port unless
     * it is the scheme's default. {@code ws://h:443/} sends {@code h:443} and {@code wss://h:80/} sends {@code h:80}
     * (Java-WebSocket 1.6.0 leaves out 80 and 443 whatever the scheme).
     *
     * @param uri the endpoint
     * @return the header's value
     */
    static String hostHeader(URI uri) {
        return hostHeader(uri, null);
    }

    /**
     * The {@code Host} header for an endpoint known by another name than its URI's host (DNS discovery: the URI
     * names one of the addresses {@code serverName} resolved to): the name, and the URI's port unless it is the
     * scheme's default.
     *
     * @param uri        the endpoint
     * @param serverName the server's name, or {@code null} for the URI's host
     * @return the header's value
     */
    static String hostHeader(URI uri, String serverName) {
        String host = serverName != null ? serverName : uri.getHost();
        int port = port(uri);
        int defaultPort = secure(uri) ? WebSocketImpl.DEFAULT_WSS_PORT : WebSocketImpl.DEFAULT_PORT;
        return port == defaultPort ? host : host + ":" + port;
    }

    /**
     * How long one address may take to accept a TCP connect: an equal share of what is left of the connect timeout
     * among the addresses not tried yet, so that an address that never answers leaves time for the next ones, and
     * the whole attempt stays within the connect timeout. An address that refuses at once leaves its share to the
     * others.
     *
     * @param remainingNanos what is left of the connect timeout
     * @param addressesLeft  addresses not tried yet, this one included
     * @return the time for this address, in nanoseconds, at least one millisecond
     */
    static long attemptNanos(long remainingNanos, int addressesLeft) {
        return Math.max(1_000_000L, remainingNanos / Math.max(1, addressesLeft));
    }
}
