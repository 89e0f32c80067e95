package io.github.wspool.core;

import io.github.wspool.ConnectionInitializer;
import io.github.wspool.HeaderSupplier;
import io.github.wspool.core.internal.connect.ConnectSettings;
import io.github.wspool.core.internal.transport.jws.JavaWebSocketTransport;
import io.github.wspool.core.internal.transport.selector.SelectorTransport;
import io.github.wspool.core.spi.CompressionOptions;
import io.github.wspool.core.spi.HttpHeaders;
import io.github.wspool.core.spi.ProxyOptions;
import io.github.wspool.core.spi.TlsOptions;
import io.github.wspool.core.spi.Transport;
import io.github.wspool.core.spi.TransportOptions;
import java.net.PasswordAuthentication;
import java.net.ProxySelector;
import java.net.URI;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;

/**
 * The builder's connection options: the transport, how connects are bounded, paced and retried, and what each
 * opening handshake sends (headers, subprotocols, TLS, the HTTP proxy it goes through).
 *
 * <p>One group of {@link WebSocketPoolBuilder}'s options, in a file of its own. The groups are stacked
 * ({@code MessageOptions} ← {@code HealthOptions} ← {@code ConnectionOptions} ← {@code WebSocketPoolBuilder}) only so
 * that one public builder carries them all; no other class extends them.
 */
abstract class ConnectionOptions extends HealthOptions {

    private Duration connectTimeout = Duration.ofSeconds(5);
    private Duration closeTimeout = Duration.ofSeconds(2);
    private Duration backoffInitial = Duration.ofMillis(250);
    private Duration backoffMax = Duration.ofSeconds(10);
    private double backoffMultiplier = 2.0;
    private int maxMessageSize = 1 << 20;
    private CompressionOptions compression = CompressionOptions.OFF;
    private final Map<String, String> headers = new LinkedHashMap<>();
    private HeaderSupplier headerSupplier;
    private boolean refreshHeadersOnAuthFailure = true;
    private List<String> subprotocols = List.of();
    private boolean subprotocolRequired;
    private SSLContext sslContext;
    private SSLParameters sslParameters;
    private boolean verifyHostname = true;
    private ProxyOptions proxy = ProxyOptions.system();
    private Supplier<PasswordAuthentication> proxyCredentials;
    private double connectRatePerEndpoint;
    private double connectRatePerPool;
    private boolean failFastInitialization;
    private int maxConnectionsPerEndpoint = Integer.MAX_VALUE;
    private int maxConcurrentConnectsPerEndpoint = 8;
    private int maxConcurrentConnects = 32;
    private Transport transport;
    private int selectorThreads; // > 0: the SelectorTransport's selector threads; 0: min(cores, 4)
    private boolean threadPerConnection; // build a JavaWebSocketTransport instead of the SelectorTransport
    private ConnectionInitializer connectionInitializer;
    private Duration connectionInitializerTimeout; // null: the connect timeout

    ConnectionOptions() {
    }

    /**
     * Bound on opening one connection: TCP connect plus TLS plus the WebSocket opening handshake (through a proxy,
     * its {@code CONNECT} exchange too).
     *
     * @param timeout positive
     * @return this
     */
    public WebSocketPoolBuilder connectTimeout(Duration timeout) {
        this.connectTimeout = Check.positive("connectTimeout", timeout);
        return self();
    }

    /**
     * Code that runs on every new connection after its opening handshake and before it becomes READY: a login
     * message and the server's answer, a subscription every connection needs. Until it returns the connection is
     * INITIALIZING and no {@code acquire()} gets it. If it throws or misses its deadline
     * ({@link WebSocketPoolBuilder#connectionInitializerTimeout(Duration)}), the connect fails as if the handshake had
     * been refused: the connection is closed, the failure ({@link io.github.wspool.ConnectionInitializationException})
     * counts for the endpoint's backoff and breaker and is an acquire timeout's cause, and the pool retries later. It
     * runs on the pool's initializer threads ({@code wspool-<pool>-init-N}), never on an I/O thread, so it may block.
     * See {@link ConnectionInitializer} and {@link io.github.wspool.InitializingConnection} for what it may do.
     *
     * @param initializer not null
     * @return this
     */
    public WebSocketPoolBuilder connectionInitializer(ConnectionInitializer initializer) {
        this.connectionInitializer = Objects.requireNonNull(initializer, "connectionInitializer must not be null");
        return self();
    }

    /**
     * The deadline of the {@link WebSocketPoolBuilder#connectionInitializer(ConnectionInitializer) connection
     * initializer} on each connection, counted from the end of the opening handshake (default: the connect timeout).
     * Past it the initializer's thread is interrupted, a waiting {@code receive} fails, and the connect fails with a
     * {@link io.github.wspool.ConnectionInitializationException} saying it timed out.
     *
     * @param timeout positive
     * @return this
     */
    public WebSocketPoolBuilder connectionInitializerTimeout(Duration timeout) {
        this.connectionInitializerTimeout = Check.positive("connectionInitializerTimeout", timeout);
        return self();
    }

    /**
     * How long a closing connection waits for the server's close frame before its socket is closed anyway.
     *
     * @param timeout positive
     * @return this
     */
    public WebSocketPoolBuilder closeTimeout(Duration timeout) {
        this.closeTimeout = Check.positive("closeTimeout", timeout);
        return self();
    }

    /**
     * Delay between failed connect attempts to one endpoint: exponential from {@code initial}, doubling, capped at
     * {@code max}, each delay drawn uniformly from zero to that bound ("full jitter").
     *
     * <p>A connect counts as a success, and resets this backoff (and counts as a success for the endpoint's breaker),
     * only once its connection has proved itself: it stayed open for 2 s, or the pool closed it before then because it
     * was done with it (released without pooling, idle, past its lifetime, invalidated). A connection the server
     * closes, or that fails, within those 2 s counts as a failed connect, so a server that completes every handshake
     * and then drops the connection is reconnected to with a growing delay, and is ejected like one refusing
     * connects.
     *
     * @param initial positive
     * @param max     at least {@code initial}
     * @return this
     */
    public WebSocketPoolBuilder reconnectBackoff(Duration initial, Duration max) {
        return reconnectBackoff(initial, max, 2.0);
    }

    /**
     * Like {@link WebSocketPoolBuilder#reconnectBackoff(Duration, Duration)}, with the growth factor of the bound.
     *
     * @param initial    positive
     * @param max        at least {@code initial}
     * @param multiplier at least 1.0 (1.0: a constant bound)
     * @return this
     */
    public WebSocketPoolBuilder reconnectBackoff(Duration initial, Duration max, double multiplier) {
        if (!(multiplier >= 1.0) || Double.isInfinite(multiplier)) {
            throw new IllegalArgumentException("reconnectBackoff multiplier must be a finite number of at least 1.0,"
                    + " but was " + multiplier);
        }
        Check.positive("reconnectBackoff initial", initial);
        Check.positive("reconnectBackoff max", max);
        if (max.compareTo(initial) < 0) {
            throw new IllegalArgumentException("reconnectBackoff max (" + max + ") must not be less than initial ("
                    + initial + ")");
        }
        this.backoffInitial = initial;
        this.backoffMax = max;
        this.backoffMultiplier = multiplier;
        return self();
    }

    /**
     * The largest inbound message accepted, in bytes (default 1 MiB), whether it comes in one frame or assembled from
     * continuation frames. A frame that declares a larger length is refused before anything is allocated for it, and
     * a fragmented message is refused as soon as its fragments add up to more; either way the connection is closed
     * with 1009 (message too big), recycled, and counted as a failure of its endpoint.
     *
     * @param bytes at least 1
     * @return this
     */
    public WebSocketPoolBuilder maxMessageSize(int bytes) {
        if (bytes < 1) {
            throw new IllegalArgumentException("maxMessageSize must be at least 1 byte, but was " + bytes);
        }
        this.maxMessageSize = bytes;
        return self();
    }

    /**
     * Offers permessage-deflate (RFC 7692) to every server, with {@link CompressionOptions#DEFAULT}: outbound
     * messages of 1 KiB and more are compressed, inbound compressed messages are inflated, never past
     * {@link #maxMessageSize(int)} (a message that would is refused with close code 1009, so a "zip bomb" costs at
     * most that). A server that declines runs uncompressed. Off by default: compression costs CPU and latency on
     * every message and pays off for large or repetitive payloads (JSON market data, chat history) over slow links,
     * not for small messages on a fast network.
     *
     * @param enabled whether to offer it
     * @return this
     */
    public WebSocketPoolBuilder compression(boolean enabled) {
        this.compression = enabled ? CompressionOptions.DEFAULT : CompressionOptions.OFF;
        return self();
    }

    /**
     * Offers permessage-deflate with these options (threshold, level, what to ask of the server): see
     * {@link CompressionOptions}.
     *
     * @param options not null; {@link CompressionOptions#OFF} for none
     * @return this
     */
    public WebSocketPoolBuilder compression(CompressionOptions options) {
        this.compression = Objects.requireNonNull(options, "compression options must not be null");
        return self();
    }

    /**
     * An HTTP header sent with every WebSocket upgrade request of this pool, e.g. {@code Authorization}. Values are
     * treated as secrets: they never appear in logs, exception messages, {@code toString()} or metric tags.
     *
     * @param name  a header name (an HTTP token, not blank)
     * @param value the value, not null
     * @return this
     */
    public WebSocketPoolBuilder header(String name, String value) {
        Check.requireValidHeader(name, value);
        headers.put(name, value);
        return self();
    }

    /**
     * Headers computed for every opening handshake, for credentials that expire (a JWT, an OAuth access token):
     * called on each connect, on the transport's connecting thread, with {@code refresh = true} on the one retry
     * after a {@code 401}/{@code 403} (see {@link WebSocketPoolBuilder#refreshHeadersOnAuthFailure(boolean)}). They replace static
     * headers of the same name. Values are secrets, as for {@link WebSocketPoolBuilder#header(String, String)}.
     *
     * @param supplier not null
     * @return this
     */
    public WebSocketPoolBuilder headers(HeaderSupplier supplier) {
        this.headerSupplier = Objects.requireNonNull(supplier, "header supplier must not be null");
        return self();
    }

    /**
     * Whether an upgrade rejected with {@code 401} or {@code 403} is retried at once, once, with headers the
     * {@link WebSocketPoolBuilder#headers(HeaderSupplier) supplier} is asked to refresh, before it counts as a connect failure (against
     * the endpoint's breaker and backoff). Default {@code true}; without a supplier there is nothing to refresh and a
     * rejection always counts.
     *
     * @param refresh {@code false} to count every rejection at once
     * @return this
     */
    public WebSocketPoolBuilder refreshHeadersOnAuthFailure(boolean refresh) {
        this.refreshHeadersOnAuthFailure = refresh;
        return self();
    }

    /**
     * Subprotocols to request ({@code Sec-WebSocket-Protocol}), in order of preference; the server must select one
     * of them, or the connect fails with an {@link io.github.wspool.EndpointConnectException} saying so. The
     * selected one is {@link io.github.wspool.PooledConnection#subprotocol()}.
     *
     * @param protocols one or more subprotocol names (HTTP tokens), e.g. {@code "agent-protocol-v1"}
     * @return this
     */
    public WebSocketPoolBuilder subprotocols(String... protocols) {
        return subprotocols(protocols == null ? null : java.util.Arrays.asList(protocols), true);
    }

    /**
     * Subprotocols to request, in order of preference.
     *
     * @param protocols subprotocol names (HTTP tokens), not empty
     * @param required  whether a server that selects none of them fails the connect ({@code false}: the connection
     *                  is used without a subprotocol). A server selecting one that was not requested always fails it
     *                  (RFC 6455 4.1).
     * @return this
     */
    public WebSocketPoolBuilder subprotocols(List<String> protocols, boolean required) {
        if (protocols == null || protocols.isEmpty()) {
            throw new IllegalArgumentException("subprotocols must name at least one protocol, but were " + protocols);
        }
        for (String p : protocols) {
            if (!HttpHeaders.isToken(p)) {
                throw new IllegalArgumentException("subprotocol must be an HTTP token, but was " + Check.quote(p)
                        + " in " + protocols);
            }
        }
        if (new java.util.HashSet<>(protocols).size() != protocols.size()) {
            throw new IllegalArgumentException("subprotocols must not repeat a name, but were " + protocols);
        }
        this.subprotocols = List.copyOf(protocols);
        this.subprotocolRequired = required;
        return self();
    }

    /**
     * The SSL context for {@code wss://} endpoints: a private CA in its trust managers, a client certificate in its
     * key managers (default: the JVM's default context and trust store). Hostname verification stays on.
     *
     * @param context not null
     * @return this
     */
    public WebSocketPoolBuilder sslContext(SSLContext context) {
        this.sslContext = Objects.requireNonNull(context, "sslContext must not be null");
        return self();
    }

    /**
     * TLS parameters applied on top of the context's defaults for {@code wss://} endpoints: protocols, cipher
     * suites, SNI server names, algorithm constraints, ALPN. Copied at connect, never mutated. Their endpoint
     * identification algorithm is ignored: hostname verification is on unless
     * {@link WebSocketPoolBuilder#dangerouslyDisableHostnameVerification()} is called.
     *
     * @param parameters not null
     * @return this
     */
    public WebSocketPoolBuilder sslParameters(SSLParameters parameters) {
        this.sslParameters = Objects.requireNonNull(parameters, "sslParameters must not be null");
        return self();
    }

    /**
     * <b>Insecure.</b> Accepts a server certificate issued for any host name, as long as the trust store accepts
     * the certificate itself: anyone holding such a certificate can impersonate the server and read and change all
     * traffic. Only for tests or a private network where certificates do not carry the right names; prefer fixing
     * the certificate or connecting by the name it carries. The pool logs a WARN when it is built with this.
     *
     * @return this
     */
    public WebSocketPoolBuilder dangerouslyDisableHostnameVerification() {
        this.verifyHostname = false;
        return self();
    }

    /**
     * Connects every endpoint through one HTTP proxy: a TCP connection to the proxy, {@code CONNECT host:port} for
     * the endpoint (the proxy resolves its name), then TLS for the endpoint's host (its certificate and name are
     * verified as on a direct connect) and the WebSocket upgrade through the tunnel. The connect timeout bounds the
     * proxy's part too. A proxy that refuses fails the connect with a {@link io.github.wspool.ProxyConnectException}
     * quoting its status line (for example {@code 407 Proxy Authentication Required}). Replaces a proxy setting made
     * before ({@link #proxy(ProxySelector)}, {@link #noProxy()}). Default: the JVM's proxy settings (see
     * {@link #proxy(ProxySelector)}).
     *
     * @param proxy {@code http://[user:password@]host[:port]}, port 80 unless given; the user-info, percent-decoded,
     *              is sent as Basic credentials unless {@link #proxyCredentials(Supplier)} gives others. Its password
     *              is a secret: it never appears in logs, messages or {@code toString()}.
     * @return this
     * @throws IllegalArgumentException if {@code proxy} is null, not {@code http}, has no host, a path, a query or
     *                                  a fragment (the message shows the URI with its password masked)
     */
    public WebSocketPoolBuilder proxy(URI proxy) {
        if (proxy == null) {
            throw new IllegalArgumentException("proxy must be an http://[user:password@]host[:port] URI, but was null"
                    + " (noProxy() connects directly)");
        }
        this.proxy = ProxyOptions.of(proxy);
        return self();
    }

    /**
     * Chooses an HTTP proxy per endpoint with {@code selector}, asked on every connect (on the transport's connecting
     * thread, within the connect timeout) with {@code http://host:port} for a {@code ws://} endpoint and
     * {@code https://host:port} for a {@code wss://} one. The first proxy of its answer counts:
     * {@link java.net.Proxy#NO_PROXY} means a direct connect, an HTTP proxy a connect through it, and a SOCKS proxy
     * fails the connect (not supported). The default is the JVM's own selector, {@link ProxySelector#getDefault()},
     * looked up at each connect: {@code -Dhttp.proxyHost}/{@code -Dhttp.proxyPort} for {@code ws://},
     * {@code -Dhttps.proxyHost}/{@code -Dhttps.proxyPort} for {@code wss://}, {@code -Dhttp.nonProxyHosts} for both
     * (by default {@code localhost|127.*|[::1]}: loopback always goes direct), as {@code HttpURLConnection} and OkHttp
     * do. Replaces a proxy setting made before.
     *
     * @param selector not null
     * @return this
     * @throws IllegalArgumentException if {@code selector} is null
     */
    public WebSocketPoolBuilder proxy(ProxySelector selector) {
        if (selector == null) {
            throw new IllegalArgumentException("proxy selector must not be null, but was null (noProxy() connects"
                    + " directly)");
        }
        this.proxy = ProxyOptions.selector(selector);
        return self();
    }

    /**
     * Credentials for the proxy, asked for on every connect through a proxy (on the transport's connecting thread,
     * within the connect timeout, so a supplier may fetch a rotated secret) and sent as
     * {@code Proxy-Authorization: Basic}; they override a proxy URI's user-info. {@code null} from the supplier means
     * none. The password is a secret: it never appears in logs, messages or {@code toString()}.
     *
     * @param credentials not null
     * @return this
     * @throws IllegalArgumentException if {@code credentials} is null
     */
    public WebSocketPoolBuilder proxyCredentials(Supplier<PasswordAuthentication> credentials) {
        if (credentials == null) {
            throw new IllegalArgumentException("proxyCredentials must not be null, but was null");
        }
        this.proxyCredentials = credentials;
        return self();
    }

    /**
     * Connects to every endpoint directly, whatever the JVM's proxy settings say. Replaces a proxy setting made
     * before.
     *
     * @return this
     */
    public WebSocketPoolBuilder noProxy() {
        this.proxy = ProxyOptions.DIRECT;
        return self();
    }

    /**
     * Caps how fast new connections are opened, so that a restart (or a whole endpoint coming back) does not open
     * thousands at once: at most {@code perEndpointPerSecond} connects per second to each endpoint and
     * {@code perPoolPerSecond} in all, each allowing a burst of a tenth of a second's worth (at least 1). Connects
     * over the rate wait for their turn; acquires waiting for them wait too. Zero means unlimited (the default for
     * both); retries after failures are also spread by {@link WebSocketPoolBuilder#reconnectBackoff(Duration, Duration)}.
     *
     * @param perEndpointPerSecond zero or positive
     * @param perPoolPerSecond     zero or positive
     * @return this
     */
    public WebSocketPoolBuilder maxConnectRate(double perEndpointPerSecond, double perPoolPerSecond) {
        if (!(perEndpointPerSecond >= 0) || Double.isInfinite(perEndpointPerSecond)) {
            throw new IllegalArgumentException("maxConnectRate perEndpointPerSecond must be zero (unlimited) or a"
                    + " positive finite number, but was " + perEndpointPerSecond);
        }
        if (!(perPoolPerSecond >= 0) || Double.isInfinite(perPoolPerSecond)) {
            throw new IllegalArgumentException("maxConnectRate perPoolPerSecond must be zero (unlimited) or a"
                    + " positive finite number, but was " + perPoolPerSecond);
        }
        this.connectRatePerEndpoint = perEndpointPerSecond;
        this.connectRatePerPool = perPoolPerSecond;
        return self();
    }

    /**
     * Whether {@link WebSocketPoolBuilder#build()} connects to every endpoint before returning and throws
     * {@link io.github.wspool.EndpointConnectException} if one cannot be reached (the pool is closed again). By
     * default a server that is down at build time is not an error: connects retry with backoff.
     *
     * @param failFast {@code true} to check at build
     * @return this
     */
    public WebSocketPoolBuilder failFastInitialization(boolean failFast) {
        this.failFastInitialization = failFast;
        return self();
    }

    /**
     * A cap on connections (open plus connecting) to any one endpoint, besides the pool-wide {@code maxConnections}.
     * Unlimited by default.
     *
     * @param max at least 1
     * @return this
     */
    public WebSocketPoolBuilder maxConnectionsPerEndpoint(int max) {
        if (max < 1) {
            throw new IllegalArgumentException("maxConnectionsPerEndpoint must be at least 1, but was " + max);
        }
        this.maxConnectionsPerEndpoint = max;
        return self();
    }

    /**
     * Caps on connect attempts in flight at once, per endpoint and for the whole pool, so that a pool starting with a
     * large {@code minConnections}, or refilling after a server restart, ramps up instead of stampeding the server.
     * Connects beyond a cap start as earlier ones finish. Defaults: 8 per endpoint, 32 per pool.
     *
     * @param perEndpoint at least 1
     * @param perPool     at least {@code perEndpoint}
     * @return this
     */
    public WebSocketPoolBuilder maxConcurrentConnects(int perEndpoint, int perPool) {
        if (perEndpoint < 1) {
            throw new IllegalArgumentException("maxConcurrentConnects perEndpoint must be at least 1, but was "
                    + perEndpoint);
        }
        if (perPool < perEndpoint) {
            throw new IllegalArgumentException("maxConcurrentConnects perPool (" + perPool + ") must not be less than"
                    + " perEndpoint (" + perEndpoint + ")");
        }
        this.maxConcurrentConnectsPerEndpoint = perEndpoint;
        this.maxConcurrentConnects = perPool;
        return self();
    }

    /**
     * The transport that opens connections (default: the shared-selector transport, see {@link
     * #sharedSelectorTransport(int)}). The pool owns it and closes it on {@code close()}. Replaces a transport chosen
     * before, and is replaced by one chosen after.
     *
     * @param transport not null
     * @return this
     */
    public WebSocketPoolBuilder transport(Transport transport) {
        this.transport = Objects.requireNonNull(transport, "transport must not be null");
        this.selectorThreads = 0;
        this.threadPerConnection = false;
        return self();
    }

    /**
     * Sets the number of selector threads of the default transport, which puts all of the pool's connections on
     * {@code selectorThreads} shared NIO selector threads, plus idle-ending helper threads ({@code max(2,
     * selectorThreads)} workers for TLS tasks and open/close callbacks, up to 8 connectors for DNS and header
     * suppliers), instead of costing two threads each. Java-WebSocket's protocol engine frames the messages, as on
     * the {@linkplain WebSocketPoolBuilder#threadPerConnectionTransport() other transport}. Each {@link WebSocketPoolBuilder#build()} gets its own. Replaces
     * a transport chosen before, and is replaced by one chosen after. See the README, "Choosing a transport".
     *
     * @param selectorThreads 1 to 64, or 0 for the default {@code min(cores, 4)}
     * @return this
     */
    public WebSocketPoolBuilder sharedSelectorTransport(int selectorThreads) {
        if (selectorThreads < 0 || selectorThreads > 64) {
            throw new IllegalArgumentException("selectorThreads must be between 1 and 64 (or 0 for the default,"
                    + " min(cores, 4)), but was " + selectorThreads);
        }
        this.selectorThreads = selectorThreads == 0 ? SelectorTransport.defaultSelectorCount() : selectorThreads;
        this.threadPerConnection = false;
        this.transport = null; // one per build(): a pool closes its transport
        return self();
    }

    /**
     * Uses Java-WebSocket's {@code WebSocketClient} instead of the default shared-selector transport: each open
     * connection has its own reader thread ({@code wspool-<pool>-io-N}) and the library's writer thread, so it costs
     * two threads and about 250 KiB of memory. Choose it for Java-WebSocket's own client code path, or when message
     * handlers run on the I/O thread ({@code messageExecutor(Runnable::run)}) and may block: here that stalls only
     * their own connection, on the shared selector every connection of that selector. Each {@link WebSocketPoolBuilder#build()} gets its
     * own. Replaces a transport chosen before, and is replaced by one chosen after.
     *
     * @return this
     */
    public WebSocketPoolBuilder threadPerConnectionTransport() {
        this.threadPerConnection = true;
        this.selectorThreads = 0;
        this.transport = null;
        return self();
    }

    /** The transport of one pool: the one given, or a new one of the chosen kind (a pool closes its transport). */
    Transport transportFor(String poolName) {
        if (transport != null) {
            return transport;
        }
        return threadPerConnection ? new JavaWebSocketTransport(poolName)
                : new SelectorTransport(selectorThreads > 0 ? selectorThreads : SelectorTransport.defaultSelectorCount());
    }

    ConnectSettings connectSettings(String poolName, boolean pooling, int minConnections, int maxConnections) {
        TransportOptions options = new TransportOptions(connectTimeout, maxMessageSize, headers, headerSupplier, false,
                subprotocols, subprotocolRequired, new TlsOptions(sslContext, sslParameters, verifyHostname),
                proxyCredentials != null ? proxy.withCredentials(proxyCredentials) : proxy, "wspool-" + poolName,
                compression, null);
        return new ConnectSettings(pooling, minConnections, maxConnections, maxConnectionsPerEndpoint,
                maxConcurrentConnects, maxConcurrentConnectsPerEndpoint, connectRatePerEndpoint, connectRatePerPool,
                connectTimeout, closeTimeout, backoffInitial, backoffMax, backoffMultiplier, failFastInitialization,
                refreshHeadersOnAuthFailure, options, connectionInitializer, connectionInitializerTimeout);
    }
}
