package io.github.wspool.core.internal.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.wspool.ProxyConnectException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The CONNECT exchange's request and the parsing of the proxy's response head, byte-exact. */
class ProxyTunnelTest {

    private static final URI ENDPOINT = URI.create("wss://origin.example/feed");

    private static ProxyTunnel tunnel(String authorization) {
        return new ProxyTunnel(ENDPOINT, InetSocketAddress.createUnresolved("proxy.example", 3128), authorization);
    }

    private static ByteBuffer ascii(String s) {
        return ByteBuffer.wrap(s.getBytes(StandardCharsets.ISO_8859_1));
    }

    @Test
    void theRequestNamesTheEndpointsAuthorityAndCarriesTheCredentials() {
        assertEquals("CONNECT origin.example:443 HTTP/1.1\r\nHost: origin.example:443\r\n\r\n",
                StandardCharsets.ISO_8859_1.decode(tunnel(null).request()).toString());
        assertEquals("CONNECT origin.example:443 HTTP/1.1\r\nHost: origin.example:443\r\nProxy-Authorization: Basic"
                + " YTpi\r\n\r\n", StandardCharsets.ISO_8859_1.decode(tunnel("Basic YTpi").request()).toString());
        assertEquals("[::1]:8080", new ProxyTunnel(URI.create("ws://[::1]:8080/"),
                InetSocketAddress.createUnresolved("p", 1), null).authority());
    }

    @Test
    void theHeadIsTakenUpToItsBlankLineAndWhatFollowsIsLeftForTheLayerAbove() {
        ProxyTunnel t = tunnel(null);
        assertFalse(t.received(ascii("HTTP/1.1 200 Connection established\r\nProxy-Agent: x\r")));
        ByteBuffer rest = ascii("\n\r\nEARLY");
        assertTrue(t.received(rest));
        assertEquals("EARLY", StandardCharsets.ISO_8859_1.decode(rest).toString());
        assertTrue(tunnel(null).received(ascii("HTTP/1.0 200 OK\n\n")), "bare line feeds are accepted");
    }

    @Test
    void aRefusalQuotesTheStatusLineAndNamesTheProxy() {
        ProxyConnectException e = assertThrows(ProxyConnectException.class, () -> tunnel(null).received(ascii(
                "HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"x\"\r\n\r\n")));
        assertEquals(407, e.statusCode());
        assertEquals("http://proxy.example:3128", e.proxy());
        assertTrue(e.getMessage().endsWith("proxy http://proxy.example:3128 refused CONNECT origin.example:443: HTTP/1.1"
                + " 407 Proxy Authentication Required (proxy authentication required: give credentials in the proxy"
                + " URI or with proxyCredentials)"), e.getMessage());
        ProxyConnectException notHttp = assertThrows(ProxyConnectException.class,
                () -> tunnel(null).received(ascii("SSH-2.0-OpenSSH\r\n\r\n")));
        assertEquals(0, notHttp.statusCode());
        assertTrue(notHttp.getMessage().contains("not an HTTP response: 'SSH-2.0-OpenSSH'"), notHttp.getMessage());
    }

    @Test
    void aHeadLongerThanEightKibibytesIsRefused() {
        ProxyTunnel t = tunnel(null);
        byte[] head = new byte[ProxyTunnel.MAX_RESPONSE_BYTES];
        Arrays.fill(head, (byte) 'a');
        assertFalse(t.received(ByteBuffer.wrap(head)), "8192 bytes are still accepted");
        ProxyConnectException e = assertThrows(ProxyConnectException.class, () -> t.received(ascii("a")));
        assertTrue(e.getMessage().contains("longer than 8192 bytes"), e.getMessage());
    }
}
