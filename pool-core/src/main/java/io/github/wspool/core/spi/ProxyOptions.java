package io.github.wspool.core.spi;

import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.net.PasswordAuthentication;
import java.net.Proxy;
import java.net.ProxySelector;
import java.net.SocketAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * Whether and through which HTTP proxy the connections of a pool go: transports open a TCP connection to the proxy,
 * ask it to {@code CONNECT} to the endpoint's host and port (the proxy resolves the endpoint's name), and then speak
 * TLS (for {@code wss://}) and WebSocket through that tunnel exactly as they would on a direct connection. Immutable.
 *
 * <ul>
 *   <li>{@link #DIRECT}: no proxy.</li>
 *   <li>{@link #of(URI)}: one proxy, {@code http://[user:password@]host[:port]}, for every endpoint.</li>
 *   <li>{@link #selector(ProxySelector)}: a selector chooses per endpoint.</li>
 *   <li>{@link #system()}: the JVM's {@link ProxySelector#getDefault()}, looked up on every connect, so that
 *       {@code -Dhttp.proxyHost}, {@code -Dhttps.proxyHost} and {@code -Dhttp.nonProxyHosts} work as for
 *       {@code HttpURLConnection}.</li>
 * </ul>
 *
 * <p>A selector is asked with {@code http://host:port} for a {@code ws://} endpoint and {@code https://host:port}
 * for a {@code wss://} one (as OkHttp does). Of its answer, the first entry counts: {@link Proxy#NO_PROXY} (or any
 * {@link Proxy.Type#DIRECT} entry, or no entry) means a direct connect, an {@link Proxy.Type#HTTP} entry that proxy;
 * a {@link Proxy.Type#SOCKS} entry fails the connect with a {@link LocalConnectException} (SOCKS is not supported).
 *
 * <p>Credentials are sent as {@code Proxy-Authorization: Basic ...}: from the proxy URI's user-info, or from a
 * supplier ({@link #withCredentials(Supplier)}), which overrides it. They are secrets: {@link #toString()} and every
 * message masks the password, and the header is never logged.
 *
 * <p>Transports call {@link #proxyFor(URI)} and {@link #proxyAuthorization(URI)} once per connect, on their
 * connecting thread, time-boxed by the connect timeout.
 */
public final class ProxyOptions {

    /** No proxy: every connect goes straight to its endpoint. */
    public static final ProxyOptions DIRECT = new ProxyOptions(Kind.DIRECT, null, -1, null, null, null, null);

    private static final ProxyOptions SYSTEM = new ProxyOptions(Kind.SYSTEM, null, -1, null, null, null, null);
    private static final int DEFAULT_PORT = 80;
    private static final String SHAPE = "http://[user:password@]host[:port]";

    private enum Kind { DIRECT, FIXED, SELECTOR, SYSTEM }

    private final Kind kind;
    private final String host; // FIXED: as URI.getHost() gives it (an IPv6 literal in brackets)
    private final int port; // FIXED
    private final String display; // FIXED: the URI with its password masked
    private final String uriAuthorization; // FIXED: "Basic ..." from the URI's user-info, or null
    private final ProxySelector selector; // SELECTOR
    private final Supplier<PasswordAuthentication> credentials; // any kind, or null

    private ProxyOptions(Kind kind, String host, int port, String display, String uriAuthorization,
                         ProxySelector selector, Supplier<PasswordAuthentication> credentials) {
        this.kind = kind;
        this.host = host;
        this.port = port;
        this.display = display;
        this.uriAuthorization = uriAuthorization;
        this.selector = selector;
        this.credentials = credentials;
    }

    /**
     * One HTTP proxy for every endpoint.
     *
     * @param proxy {@code http://[user:password@]host[:port]}: port 80 unless given; user-info, percent-decoded, gives
     *              Basic credentials; no path (but {@code /}), query or fragment
     * @return the options
     * @throws IllegalArgumentException if {@code proxy} is not of that shape; the message names the problem and the
     *                                  value given, its password masked
     * @throws NullPointerException     if {@code proxy} is {@code null}
     */
    public static ProxyOptions of(URI proxy) {
        Objects.requireNonNull(proxy, "proxy must not be null");
        String shown = mask(proxy);
        if (!"http".equalsIgnoreCase(proxy.getScheme())) {
            throw invalid("must use the http scheme" + (proxy.getScheme() == null ? "" : " (not "
                    + proxy.getScheme() + ")"), shown);
        }
        if (proxy.getHost() == null || proxy.getHost().isEmpty()) {
            throw invalid("must name a host (a name java.net.URI can parse)", shown);
        }
        String path = proxy.getRawPath();
        if (path != null && !path.isEmpty() && !path.equals("/")) {
            throw invalid("must not have a path", shown);
        }
        if (proxy.getRawQuery() != null || proxy.getRawFragment() != null) {
            throw invalid("must not have a query or fragment", shown);
        }
        int p = proxy.getPort() == -1 ? DEFAULT_PORT : proxy.getPort();
        if (p < 1 || p > 65535) {
            throw invalid("must have a port from 1 to 65535", shown);
        }
        String authorization = null;
        String rawUserInfo = proxy.getRawUserInfo();
        if (rawUserInfo != null) {
            int colon = rawUserInfo.indexOf(':');
            String user = decode(colon < 0 ? rawUserInfo : rawUserInfo.substring(0, colon), shown);
            char[] password = decode(colon < 0 ? "" : rawUserInfo.substring(colon + 1), shown).toCharArray();
            if (user.indexOf(':') >= 0) {
                throw invalid("must not have a ':' in its user name (Basic credentials cannot carry one)", shown);
            }
            authorization = basic(user, password);
            Arrays.fill(password, '\0');
        }
        return new ProxyOptions(Kind.FIXED, proxy.getHost(), p, shown, authorization, null, null);
    }

    /**
     * Proxies chosen per endpoint by {@code selector} (see the class comment for what its answers mean).
     *
     * @param selector asked on every connect, on the transport's connecting thread
     * @return the options
     * @throws NullPointerException if {@code selector} is {@code null}
     */
    public static ProxyOptions selector(ProxySelector selector) {
        Objects.requireNonNull(selector, "proxy selector must not be null");
        return new ProxyOptions(Kind.SELECTOR, null, -1, null, null, selector, null);
    }

    /**
     * The JVM's proxy settings: {@link ProxySelector#getDefault()}, looked up on every connect (so a default set later
     * counts). With the JDK's default selector that is {@code http.proxyHost}/{@code http.proxyPort} for
     * {@code ws://}, {@code https.proxyHost}/{@code https.proxyPort} for {@code wss://}, and
     * {@code http.nonProxyHosts} for both (by default {@code localhost|127.*|[::1]}); with none of them set, a direct
     * connect.
     *
     * @return the options
     */
    public static ProxyOptions system() {
        return SYSTEM;
    }

    /**
     * These options with credentials from a supplier, which override a proxy URI's user-info. The supplier is
     * called on every connect that goes through a proxy, on the transport's connecting thread (it may block, within
     * the connect timeout); {@code null} from it means no credentials. No effect on direct connects.
     *
     * @param credentials gives the user name and password for {@code Proxy-Authorization: Basic}
     * @return a copy
     * @throws NullPointerException if {@code credentials} is {@code null}
     */
    public ProxyOptions withCredentials(Supplier<PasswordAuthentication> credentials) {
        Objects.requireNonNull(credentials, "proxy credentials supplier must not be null");
        return new ProxyOptions(kind, host, port, display, uriAuthorization, selector, credentials);
    }

    /**
     * Whether these options never use a proxy ({@link #DIRECT}); a selector may still choose a direct connect for an
     * endpoint.
     *
     * @return {@code true} for {@link #DIRECT}
     */
    public boolean isDirect() {
        return kind == Kind.DIRECT;
    }

    /**
     * The HTTP proxy to connect {@code endpoint} through. Asks the selector, if any (on the calling thread).
     *
     * @param endpoint a {@code ws://} or {@code wss://} URI
     * @return the proxy's address, unresolved (its host name is resolved by the caller), or {@code null} for a direct
     *         connect
     * @throws LocalConnectException if the selector failed, or chose a SOCKS proxy or an address that is not a host
     *                               and port
     */
    public InetSocketAddress proxyFor(URI endpoint) {
        switch (kind) {
            case DIRECT:
                return null;
            case FIXED:
                return InetSocketAddress.createUnresolved(host, port);
            default:
                break;
        }
        ProxySelector s = kind == Kind.SYSTEM ? ProxySelector.getDefault() : selector;
        if (s == null) {
            return null; // no system-wide selector at all
        }
        URI lookup = lookupUri(endpoint);
        List<Proxy> proxies;
        try {
            proxies = s.select(lookup);
        } catch (RuntimeException e) {
            throw new LocalConnectException(endpoint, "the proxy selector failed (" + e.getClass().getName() + ")", e);
        }
        Proxy first = proxies == null || proxies.isEmpty() ? Proxy.NO_PROXY : proxies.get(0);
        if (first == null || first.type() == Proxy.Type.DIRECT) {
            return null;
        }
        SocketAddress a = first.address();
        if (first.type() == Proxy.Type.SOCKS) {
            throw new LocalConnectException(endpoint, "the proxy selector chose SOCKS proxy " + a + " for " + lookup
                    + ": SOCKS proxies are not supported (only HTTP proxies, through CONNECT)", null);
        }
        if (!(a instanceof InetSocketAddress isa)) {
            throw new LocalConnectException(endpoint, "the proxy selector chose a proxy without a host and port ("
                    + a + ")", null);
        }
        return InetSocketAddress.createUnresolved(hostOf(isa), isa.getPort());
    }

    /**
     * The {@code Proxy-Authorization} header for a connect through a proxy: the supplier's credentials if there is
     * a supplier, else the proxy URI's. Calls the supplier (on the calling thread). A secret: never log it.
     *
     * @param endpoint the endpoint being connected to, for a failure's message
     * @return {@code "Basic ..."}, or {@code null} for none
     * @throws LocalConnectException if the supplier failed or gave a user name with a {@code ':'}; the message holds
     *                               neither the user name nor the password
     */
    public String proxyAuthorization(URI endpoint) {
        if (credentials == null) {
            return uriAuthorization;
        }
        PasswordAuthentication given;
        try {
            given = credentials.get();
        } catch (RuntimeException e) {
            throw new LocalConnectException(endpoint, "the proxy credentials supplier failed ("
                    + e.getClass().getName() + ")", null); // its message may hold the secret: not kept
        }
        if (given == null) {
            return null;
        }
        char[] password = given.getPassword(); // a copy
        try {
            String user = given.getUserName() == null ? "" : given.getUserName();
            if (user.indexOf(':') >= 0) {
                throw new LocalConnectException(endpoint, "the proxy credentials supplier gave a user name with a"
                        + " ':', which Basic credentials cannot carry", null);
            }
            return basic(user, password == null ? new char[0] : password);
        } finally {
            if (password != null) {
                Arrays.fill(password, '\0');
            }
        }
    }

    /**
     * What the options are, with no secret: {@code DIRECT}, {@code system}, {@code selector <selector>}, or the
     * proxy URI with its password masked ({@code http://user:****@host:3128}); plus {@code " + credentials
     * supplier"} when there is one.
     */
    @Override
    public String toString() {
        String base = switch (kind) {
            case DIRECT -> "DIRECT";
            case SYSTEM -> "system";
            case SELECTOR -> "selector " + selector;
            case FIXED -> display;
        };
        return credentials == null ? base : base + " + credentials supplier";
    }

    /**
     * A URI as it may be shown: with the password of its user-info replaced by {@code ****}.
     *
     * @param uri any URI, may be {@code null}
     * @return its text, password masked
     */
    public static String mask(URI uri) {
        if (uri == null) {
            return "null";
        }
        String text = uri.toString();
        String authority = uri.getRawAuthority(); // user-info even where java.net.URI parses no host (proxy_host)
        int at = authority == null ? -1 : authority.lastIndexOf('@');
        if (at < 0) {
            return text;
        }
        String userInfo = authority.substring(0, at);
        int colon = userInfo.indexOf(':');
        String masked = colon < 0 ? userInfo : userInfo.substring(0, colon) + ":****";
        int start = text.indexOf(authority);
        return start < 0 ? "(a URI with credentials)" : text.substring(0, start) + masked + text.substring(start + at);
    }

    /** What a selector is asked for {@code endpoint}: {@code http://host:port} or {@code https://host:port}. */
    private static URI lookupUri(URI endpoint) {
        boolean secure = "wss".equalsIgnoreCase(endpoint.getScheme());
        int p = endpoint.getPort() != -1 ? endpoint.getPort() : secure ? 443 : 80;
        try {
            return new URI(secure ? "https" : "http", null, endpoint.getHost(), p, null, null, null);
        } catch (URISyntaxException e) {
            throw new LocalConnectException(endpoint, "no proxy lookup URI for the endpoint's host", e);
        }
    }

    /** The host of a proxy address as given (a name, or the literal of a resolved one), IPv6 in brackets. */
    private static String hostOf(InetSocketAddress a) {
        String h = a.getHostString();
        return h.indexOf(':') >= 0 && !h.startsWith("[") ? "[" + h + "]" : h;
    }

    private static String basic(String user, char[] password) {
        ByteBuffer encoded = StandardCharsets.UTF_8.encode(CharBuffer.wrap(concat(user, password)));
        byte[] bytes = new byte[encoded.remaining()];
        encoded.get(bytes);
        if (encoded.hasArray()) {
            Arrays.fill(encoded.array(), (byte) 0);
        }
        String header = "Basic " + Base64.getEncoder().encodeToString(bytes);
        Arrays.fill(bytes, (byte) 0);
        return header;
    }

    private static char[] concat(String user, char[] password) {
        char[] all = new char[user.length() + 1 + password.length];
        user.getChars(0, user.length(), all, 0);
        all[user.length()] = ':';
        System.arraycopy(password, 0, all, user.length() + 1, password.length);
        return all;
    }

    /** Percent-decodes user-info (UTF-8); {@code +} stays a plus, as in any URI component but a form's. */
    private static String decode(String raw, String shown) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(raw.length());
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c == '%') {
                int hi = i + 2 < raw.length() ? Character.digit(raw.charAt(i + 1), 16) : -1;
                int lo = hi >= 0 ? Character.digit(raw.charAt(i + 2), 16) : -1;
                if (lo < 0) {
                    throw invalid("has a malformed percent-escape in its user-info", shown);
                }
                out.write(hi * 16 + lo);
                i += 2;
            } else {
                int end = Character.isHighSurrogate(c) && i + 1 < raw.length() ? i + 2 : i + 1;
                byte[] b = raw.substring(i, end).getBytes(StandardCharsets.UTF_8);
                out.write(b, 0, b.length);
                i = end - 1;
            }
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    private static IllegalArgumentException invalid(String problem, String shown) {
        return new IllegalArgumentException("proxy URI " + problem + " (" + SHAPE + "), but was " + shown);
    }
}
