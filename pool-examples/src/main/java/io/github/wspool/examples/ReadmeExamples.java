package io.github.wspool.examples;

import io.github.wspool.AcquireTimeoutException;
import io.github.wspool.ChannelMessage;
import io.github.wspool.EndpointSnapshot;
import io.github.wspool.EndpointView;
import io.github.wspool.LoadBalancingStrategy;
import io.github.wspool.PoolControl;
import io.github.wspool.PooledConnection;
import io.github.wspool.SendBufferFullException;
import io.github.wspool.Subscription;
import io.github.wspool.SubscriptionListener;
import io.github.wspool.SubscriptionOptions;
import io.github.wspool.WebSocketPool;
import io.github.wspool.core.DnsResolverOptions;
import io.github.wspool.core.EndpointResolvers;
import io.github.wspool.core.WebSocketPools;
import io.github.wspool.core.fleet.FleetStats;
import io.github.wspool.core.fleet.RedisFleet;
import io.github.wspool.core.spi.CompressionOptions;
import io.github.wspool.strategy.Strategies;
import java.net.PasswordAuthentication;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiConsumer;
import java.util.function.Supplier;
import javax.net.ssl.SSLContext;

/**
 * The code shown in README.md, kept here so that the build compiles it (and a test runs it). When you change a
 * README example, change it here too.
 */
public final class ReadmeExamples {

    private ReadmeExamples() {
    }

    /** README "Quick start". */
    public static void quickStart(String uri) {
        // --- README: quick start ---
        WebSocketPool pool = WebSocketPools.builder().name("feed")
                .endpoint(uri)                        // e.g. "ws://127.0.0.1:8080/feed"
                .pooling(true).minConnections(2).maxConnections(16)
                .acquireTimeout(Duration.ofSeconds(5)).build();
        try (PooledConnection c = pool.acquire()) {
            c.send("hello");
        }
        pool.close();
        // --- end ---
    }

    /** README "Configuration": several endpoints, weights, timeouts. */
    public static WebSocketPool configured(URI a, URI b) {
        // --- README: configuration ---
        WebSocketPool pool = WebSocketPools.builder()
                .name("quotes")
                .endpoint(a, 3)                      // weight 3
                .endpoint(b)                         // weight 1
                .pooling(true)                       // false (default): a fresh connection per acquire
                .minConnections(2).maxConnections(100)
                .strategy(Strategies.roundRobin())
                .acquireTimeout(Duration.ofSeconds(5))
                .idleTimeout(Duration.ofMinutes(5))
                .maxLifetime(Duration.ofMinutes(30))
                .healthCheckInterval(Duration.ofSeconds(30))
                .build();
        // --- end ---
        return pool;
    }

    /** README "Choosing a strategy": a custom strategy in a dozen lines. */
    public static LoadBalancingStrategy fewestLeases() {
        // --- README: custom strategy ---
        LoadBalancingStrategy fewestLeases = candidates -> {
            EndpointView best = candidates.get(0);
            for (EndpointView v : candidates) {
                if (v.activeLeases() < best.activeLeases()) {
                    best = v;
                }
            }
            return best;
        };
        // --- end ---
        return fewestLeases;
    }

    /**
     * README "Operating a running pool": endpoint changes through {@code pool.control()}.
     *
     * @param pool    a running pool
     * @param added   an endpoint to add
     * @param retired one of the pool's endpoints, to drain and remove
     * @return the endpoints' snapshots after the changes
     */
    public static List<EndpointSnapshot> operating(WebSocketPool pool, URI added, URI retired) {
        // --- README: operating ---
        PoolControl control = pool.control();
        control.addEndpoint(added, 2);                              // takes leases at once
        control.updateWeight(added, 3);                             // from the strategy's next pick on
        control.removeEndpoint(retired, Duration.ofSeconds(30))     // drain: no new leases, leased ones get 30 s
                .join();                                            // done when its last connection is closed
        List<EndpointSnapshot> endpoints = control.endpoints();     // immutable, in configuration order
        // --- end ---
        return endpoints;
    }

    /** README "Acquiring": timeouts, async, invalidate. */
    public static void acquiring(WebSocketPool pool) {
        // --- README: acquiring ---
        try (PooledConnection c = pool.acquire(Duration.ofMillis(500))) {
            c.send("{\"type\":\"subscribe\",\"channel\":\"prices\"}");
        } catch (AcquireTimeoutException e) {
            // e.getMessage(): "Pool 'quotes': no connection available within 500 ms (total=…, active=…, idle=…,
            // pending=…)"; e.getCause(): the last connect failure, if any
        }

        CompletableFuture<PooledConnection> future = pool.acquireAsync();
        future.thenAccept(c -> {
            try (c) {
                c.send("async hello");
            }
        });

        try (PooledConnection c = pool.acquire()) {
            c.send("something the server will reject");
            c.invalidate(); // do not reuse this connection: it is closed on release
        }
        // --- end ---
    }

    /** README "Delivery guarantees": a send's outcome; {@code retryLater} gets the orders that were not written. */
    public static void deliveryOutcome(WebSocketPool pool, String order, java.util.function.Consumer<String> retryLater) {
        // --- README: delivery ---
        try (PooledConnection c = pool.acquire()) {
            c.sendAsync(order).whenComplete((ok, failure) -> {
                if (failure != null) {
                    retryLater.accept(order); // MessageNotSentException: reason() and pendingBytes() say what happened
                }
            });
        }
        // --- end ---
    }

    /** README "Sending and receiving": the outgoing buffer bound. Returns the bytes queued after one send. */
    public static long backpressure(URI uri, String tick) {
        // --- README: backpressure ---
        WebSocketPool pool = WebSocketPools.builder().name("ticks").endpoint(uri).pooling(true)
                .maxBufferedBytes(1 << 20)                  // per connection; default 4 MiB
                .sendBlockTimeout(Duration.ofMillis(200))   // wait up to 200 ms for room; default 0 = fail at once
                .build();
        long queued;
        try (PooledConnection c = pool.acquire()) {
            try {
                c.send(tick);
            } catch (SendBufferFullException e) {
                // the server reads slower than we send: nothing of this message was queued; slow down or shed load
            }
            queued = c.bufferedBytes();                     // bytes not yet written to the socket
        }
        pool.close();
        // --- end ---
        return queued;
    }

    /** Where the README "Security" example gets its token: fresh when {@code refresh}, else the cached one. */
    @FunctionalInterface
    public interface TokenSource {
        /**
         * @param refresh the previous token was refused (401/403): fetch a new one
         * @return the token
         */
        String token(boolean refresh);
    }

    /** README "Security": wss with a private CA, a per-endpoint key, a refreshing token, a subprotocol. */
    public static WebSocketPool secured(URI endpoint, SSLContext privateCa, String apiKey, TokenSource tokens) {
        // --- README: security ---
        WebSocketPool pool = WebSocketPools.builder().name("agents")
                .endpoint(endpoint, 1, Map.of("X-Api-Key", apiKey))   // this endpoint's own key
                .sslContext(privateCa)                                // trust a private CA; verification stays on
                .headers((uri, refresh) -> Map.of("Authorization", "Bearer " + tokens.token(refresh)))
                .subprotocols("agent-protocol-v1")                    // the server must pick it
                .maxMessageSize(1 << 20)                              // 1 MiB, however it is fragmented
                .maxConnectRate(50, 200)                              // connects per second: endpoint, pool
                .pooling(true).minConnections(4).maxConnections(64)
                .build();
        // --- end ---
        return pool;
    }

    /**
     * README "Connection initializer": log in on every new connection and wait for the server's {@code welcome}
     * before the connection is handed out.
     */
    public static WebSocketPool loggedIn(URI endpoint, TokenSource tokens) {
        // --- README: connection initializer ---
        WebSocketPool pool = WebSocketPools.builder().name("trading")
                .endpoint(endpoint)
                .pooling(true).minConnections(2)
                .connectionInitializer(c -> {                       // before the connection is READY
                    c.send("{\"type\":\"auth\",\"token\":\"" + tokens.token(false) + "\"}");
                    String answer = c.receive(Duration.ofSeconds(2)); // ReceiveTimeoutException if none
                    if (!answer.contains("welcome")) {
                        throw new IllegalStateException("login refused: " + answer); // fails this connect
                    }
                })
                .connectionInitializerTimeout(Duration.ofSeconds(3)) // default: connectTimeout
                .build();
        // --- end ---
        return pool;
    }

    /**
     * README "Subscriptions": a channel the pool keeps subscribed across reconnects, recycling and server drains.
     *
     * @param pool a running pool whose server speaks the default subscription protocol
     * @param book where the example puts the messages (position, payload)
     * @return the subscription, closed
     */
    public static Subscription subscriptions(WebSocketPool pool, BiConsumer<Long, String> book) {
        // --- README: subscriptions ---
        Subscription sub = pool.subscribe("orders",
                SubscriptionOptions.defaults()
                        .since(4_711)                       // resume after position 4711 (default: the session store's)
                        .affinityKey("tenant-7"),           // carried by a connection to tenant-7's endpoint
                new SubscriptionListener() {
                    @Override
                    public void onMessage(ChannelMessage m) { // once, in position order, whatever connection carried it
                        book.accept(m.position(), m.payload()); // payload: the JSON text as the server wrote it
                    }

                    @Override
                    public void onGap(String channel, long from, long to) {
                        // the server could no longer replay from..to: resynchronise, e.g. reload a snapshot
                    }
                });
        // ... later
        long done = sub.position();                         // the last position the listener returned from
        sub.close();                                        // unsubscribes; the stored position is forgotten
        // --- end ---
        return sub;
    }

    /** README "Subscriptions": {@link #subscriptions(WebSocketPool, BiConsumer)} printing what it gets. */
    public static Subscription subscriptions(WebSocketPool pool) {
        return subscriptions(pool, (position, payload) -> System.out.println(position + ": " + payload));
    }

    /**
     * README "Proxies": every connection through a corporate HTTP proxy, with credentials from a secret store asked
     * for on every connect. (When the README section is added, put {@code // --- README: proxies ---} and
     * {@code // --- end ---} around the pool's construction, as in the other examples, so that the README test checks
     * it.)
     *
     * @param endpoint      the server, {@code ws://} or {@code wss://}
     * @param proxy         the proxy, e.g. {@code http://proxy.corp.example:3128}
     * @param proxyPassword gives the proxy password, e.g. from a vault
     * @return the pool (nothing connects until it is used)
     */
    public static WebSocketPool proxied(URI endpoint, URI proxy, Supplier<char[]> proxyPassword) {
        // --- README: proxies ---
        WebSocketPool pool = WebSocketPools.builder().name("behind-proxy")
                .endpoint(endpoint)                   // wss://: TLS to the server, inside the tunnel
                .proxy(proxy)                         // http://proxy.corp.example:3128 (default: the JVM's settings)
                .proxyCredentials(() -> new PasswordAuthentication("svc-feed", proxyPassword.get()))
                .connectTimeout(Duration.ofSeconds(5)) // covers the proxy's part too
                .pooling(true)
                .build();
        // --- end ---
        return pool;
    }

    /**
     * README "Server drain": recognise the server's shutdown notice, and keep off a draining server for a while.
     *
     * @return the pool (its endpoints are placeholders: nothing connects until it is used)
     */
    public static WebSocketPool serverDrain() {
        // --- README: server drain ---
        WebSocketPool pool = WebSocketPools.builder().name("feed")
                .endpoint("ws://10.0.0.1:8080/feed").endpoint("ws://10.0.0.2:8080/feed")
                .pooling(true)
                // the server's notice; close codes 1001, 1012 and 1013 are notices without it
                .drainSignal(m -> m.isText() && m.text().contains("\"type\":\"server:shutdown\""))
                .drainHoldOff(Duration.ofSeconds(10))       // no new leases or connections there for 10 s
                .build();
        // --- end ---
        return pool;
    }

    /** README "Compression": permessage-deflate, on with the defaults or tuned. */
    public static List<WebSocketPool> compressed(URI uri) {
        // --- README: compression ---
        WebSocketPool pool = WebSocketPools.builder().endpoint(uri).pooling(true)
                .compression(true)                       // offer permessage-deflate (off by default)
                .maxMessageSize(1 << 20)                 // also the most a compressed message may inflate to
                .build();
        WebSocketPool lean = WebSocketPools.builder().endpoint(uri).pooling(true)
                .compression(CompressionOptions.DEFAULT
                        .withThreshold(256)                  // compress what we send from 256 bytes (default 1 KiB)
                        .withServerNoContextTakeover(true)   // no inflater kept per idle connection
                        .withServerMaxWindowBits(12))        // ask the server for a 4 KiB window
                .build();
        // --- end ---
        return List.of(pool, lean);
    }

    /**
     * README "Endpoint discovery": every address of a DNS name is an endpoint, followed while the pool runs.
     *
     * @param template   e.g. {@code wss://feed.internal:8443/feed}
     * @param dnsOptions {@link DnsResolverOptions#defaults()} (tests swap the name service)
     * @return the pool
     */
    public static WebSocketPool discovered(URI template, DnsResolverOptions dnsOptions) {
        // --- README: endpoint discovery ---
        WebSocketPool pool = WebSocketPools.builder().name("feed")
                // every A/AAAA record of the template's host is an endpoint wss://<address>:8443/feed; the host name
                // still goes in the Host header, the TLS server name and the certificate check
                .endpointResolver(EndpointResolvers.dns(template,        // wss://feed.internal:8443/feed
                        dnsOptions.withRefreshInterval(Duration.ofSeconds(30)) // new addresses join, gone ones drain
                                .withMinInterval(Duration.ofSeconds(5))))      // connect failures look again, <= 1/5 s
                .pooling(true).minConnections(4)                         // no endpoint(...) of its own needed
                .acquireTimeout(Duration.ofSeconds(5))                   // until the first lookup answers, acquires wait
                .build();
        // --- end ---
        return pool;
    }

    /**
     * What {@link #fleetMode} built, for the caller to close.
     *
     * @param fleet        the fleet
     * @param registration the server's registration
     * @param pool         the pool
     * @param stats        the fleet's stats right after the build
     */
    public record FleetParts(RedisFleet fleet, AutoCloseable registration, WebSocketPool pool, FleetStats stats) {
    }

    /**
     * README "Fleet mode": a pool that is one instance of a fleet sharing its state through Redis, following the
     * fleet's server registry.
     *
     * @param redisUri  e.g. {@code redis://redis.internal:6379}
     * @param serverUrl the WebSocket server to register
     * @return what was built
     * @throws Exception if the registration cannot be closed after a failure
     */
    public static FleetParts fleetMode(String redisUri, URI serverUrl) throws Exception {
        // --- README: fleet mode ---
        RedisFleet fleet = RedisFleet.connect(redisUri);      // redis://, rediss://, redis-sentinel://h:p,h:p/0#master
        // on the server side (or by a deploy tool): register and heart-beat; close() the handle to unregister
        AutoCloseable registration = fleet.registerServer("ws-1", serverUrl, 1);

        WebSocketPool pool = WebSocketPools.builder().name("quotes")
                .fleet(fleet)                                 // share connections, health and stats
                .endpointResolver(fleet.servers())            // follow the server registry: no endpoint(...) needed
                .strategy(Strategies.fleetLeastConnections()) // by the fleet's counts, for leases and new connections
                .sessionStore(fleet.sessionStore("client-42")) // subscription positions survive a restart
                .pooling(true).minConnections(4)
                .build();
        FleetStats stats = fleet.stats();                     // live instances, connections per server
        // --- end ---
        return new FleetParts(fleet, registration, pool, stats);
    }
}
