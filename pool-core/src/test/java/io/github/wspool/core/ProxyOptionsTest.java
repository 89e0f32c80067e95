package io.github.wspool.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.wspool.core.spi.LocalConnectException;
import io.github.wspool.core.spi.ProxyOptions;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.PasswordAuthentication;
import java.net.Proxy;
import java.net.ProxySelector;
import java.net.SocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** {@link ProxyOptions} and the builder's proxy settings: parsing, validation messages, masking, selector lookups. */
class ProxyOptionsTest {

    private static final URI WS = URI.create("ws://example.com/feed");
    private static final URI WSS = URI.create("wss://example.com:8443/feed");

    private static String basic(String userAndPassword) {
        return "Basic " + Base64.getEncoder().encodeToString(userAndPassword.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void aProxyUriGivesItsHostItsPortOrEightyAndItsPercentDecodedCredentials() {
        ProxyOptions p = ProxyOptions.of(URI.create("http://proxy.example:3128"));
        assertEquals(InetSocketAddress.createUnresolved("proxy.example", 3128), p.proxyFor(WS));
        assertNull(p.proxyAuthorization(WS));
        assertEquals(80, ProxyOptions.of(URI.create("http://proxy.example/")).proxyFor(WSS).getPort());
        ProxyOptions creds = ProxyOptions.of(URI.create("http://us%65r:p%40ss%3Aw+rd@proxy.example:3128"));
        assertEquals(basic("user:p@ss:w+rd"), creds.proxyAuthorization(WS));
        assertEquals(basic("user:"), ProxyOptions.of(URI.create("http://user@proxy.example")).proxyAuthorization(WS));
        assertEquals("[::1]", ProxyOptions.of(URI.create("http://[::1]:3128")).proxyFor(WS).getHostString());
    }

    @Test
    void toStringMasksThePassword() {
        assertEquals("http://user:****@proxy.example:3128",
                ProxyOptions.of(URI.create("http://user:pw-SECRET@proxy.example:3128")).toString());
        assertEquals("http://user:****@proxy.example:3128 + credentials supplier", ProxyOptions.of(URI.create(
                "http://user:pw-SECRET@proxy.example:3128")).withCredentials(() -> null).toString());
        assertEquals("DIRECT", ProxyOptions.DIRECT.toString());
        assertEquals("system", ProxyOptions.system().toString());
    }

    @Test
    void invalidProxyUrisAreRefusedNamingTheProblemAndTheValueWithItsPasswordMasked() {
        String[][] cases = {
            {"https://user:pw-SECRET@proxy.example:3128", "must use the http scheme (not https)"},
            {"socks://proxy.example:1080", "must use the http scheme (not socks)"},
            {"http://user:pw-SECRET@proxy.example:3128/path", "must not have a path"},
            {"http://proxy.example:3128/?q=1", "must not have a query or fragment"},
            {"http:///nohost", "must name a host"},
            {"http://user:pw-SECRET@proxy_example:3128", "must name a host"},
            {"http://us%3Aer:pw-SECRET@proxy.example", "must not have a ':' in its user name"},
        };
        for (String[] c : cases) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> ProxyOptions.of(URI.create(c[0])), c[0]);
            assertTrue(e.getMessage().startsWith("proxy URI " + c[1]), e.getMessage());
            assertTrue(e.getMessage().contains("but was " + c[0].replaceAll(":pw-SECRET[^@]*@", ":****@")),
                    e.getMessage());
            assertFalse(e.getMessage().contains("SECRET"), e.getMessage());
        }
    }

    @Test
    void theBuildersProxySettingsAreValidatedAtOnce() {
        IllegalArgumentException scheme = assertThrows(IllegalArgumentException.class,
                () -> WebSocketPools.builder().proxy(URI.create("ftp://u:pw-SECRET@proxy.example")));
        assertEquals("proxy URI must use the http scheme (not ftp) (http://[user:password@]host[:port]), but was"
                + " ftp://u:****@proxy.example", scheme.getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> WebSocketPools.builder().proxy((URI) null))
                .getMessage().startsWith("proxy must be"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> WebSocketPools.builder().proxy((ProxySelector) null)).getMessage().startsWith("proxy selector"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> WebSocketPools.builder().proxyCredentials(null)).getMessage().startsWith("proxyCredentials"));
    }

    @Test
    void aSelectorIsAskedWithHttpForWsAndHttpsForWssAndItsFirstAnswerCounts() {
        List<URI> asked = new CopyOnWriteArrayList<>();
        ProxyOptions p = ProxyOptions.selector(new ProxySelector() {
            @Override
            public List<Proxy> select(URI uri) {
                asked.add(uri);
                return uri.getScheme().equals("https")
                        ? List.of(new Proxy(Proxy.Type.HTTP, InetSocketAddress.createUnresolved("p.example", 8080)),
                                Proxy.NO_PROXY)
                        : List.of(Proxy.NO_PROXY);
            }

            @Override
            public void connectFailed(URI uri, SocketAddress sa, IOException ioe) {
            }
        });
        assertNull(p.proxyFor(WS));
        assertEquals(InetSocketAddress.createUnresolved("p.example", 8080), p.proxyFor(WSS));
        assertEquals(List.of(URI.create("http://example.com:80"), URI.create("https://example.com:8443")), asked);
    }

    @Test
    void suppliedCredentialsOverrideTheUrisAndTheirFailuresHoldNoSecret() {
        ProxyOptions p = ProxyOptions.of(URI.create("http://a:b@proxy.example")).withCredentials(
                () -> new PasswordAuthentication("carol", "fresh".toCharArray()));
        assertEquals(basic("carol:fresh"), p.proxyAuthorization(WS));
        assertNull(ProxyOptions.of(URI.create("http://a:b@proxy.example")).withCredentials(() -> null)
                .proxyAuthorization(WS), "null from the supplier: no credentials");
        LocalConnectException failed = assertThrows(LocalConnectException.class, () -> ProxyOptions.DIRECT
                .withCredentials(() -> {
                    throw new IllegalStateException("vault said pw-SECRET is expired");
                }).proxyAuthorization(WS));
        assertFalse(failed.getMessage().contains("SECRET"), failed.getMessage());
        assertTrue(failed.getMessage().contains("the proxy credentials supplier failed"), failed.getMessage());
    }

    @Test
    void directAndTheDefaultSystemSelectorWithoutSettingsConnectDirectly() {
        assertTrue(ProxyOptions.DIRECT.isDirect());
        assertNull(ProxyOptions.DIRECT.proxyFor(WS));
        assertFalse(ProxyOptions.system().isDirect());
        if (System.getProperty("http.proxyHost") == null && System.getProperty("https.proxyHost") == null) {
            assertNull(ProxyOptions.system().proxyFor(WS));
            assertNull(ProxyOptions.system().proxyFor(WSS));
        }
    }
}
