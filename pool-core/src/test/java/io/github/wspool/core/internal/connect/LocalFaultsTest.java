package io.github.wspool.core.internal.connect;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.github.wspool.ConnectionInitializationException;
import io.github.wspool.EndpointConnectException;
import io.github.wspool.ProxyConnectException;
import io.github.wspool.core.spi.LocalConnectException;
import io.github.wspool.event.ConnectFailureCause;
import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.UnknownHostException;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.Test;

/** The class of a failed connect, from what the engine knows and the failure's cause chain. */
class LocalFaultsTest {

    private static final URI URI_ = URI.create("ws://example.test/feed");

    private static EndpointConnectException failed(Throwable cause) {
        return new EndpointConnectException(URI_, "failed", 0, cause);
    }

    @Test
    void eachCauseFromItsFailure() {
        assertEquals(ConnectFailureCause.REFUSED, LocalFaults.cause(failed(new ConnectException("refused")), false));
        assertEquals(ConnectFailureCause.TLS, LocalFaults.cause(failed(new SSLHandshakeException("PKIX")), false));
        assertEquals(ConnectFailureCause.DNS, LocalFaults.cause(failed(new UnknownHostException("x")), false));
        assertEquals(ConnectFailureCause.DNS, LocalFaults.cause(
                new LocalConnectException(URI_, "resolving", new UnknownHostException("x")), false),
                "a name that did not resolve is dns, although a local fault");
        assertEquals(ConnectFailureCause.TIMEOUT, LocalFaults.cause(failed(new SocketTimeoutException()), false));
        assertEquals(ConnectFailureCause.HANDSHAKE_REJECTED,
                LocalFaults.cause(new EndpointConnectException(URI_, "HTTP/1.1 401", 401, null), false));
        assertEquals(ConnectFailureCause.INITIALIZER, LocalFaults.cause(
                new ConnectionInitializationException(URI_, "login refused", false, null), false));
        assertEquals(ConnectFailureCause.LOCAL, LocalFaults.cause(
                new LocalConnectException(URI_, "the header supplier failed", new IllegalStateException()), false));
        assertEquals(ConnectFailureCause.LOCAL, LocalFaults.cause(failed(new IOException("Too many open files")),
                false));
        assertEquals(ConnectFailureCause.OTHER, LocalFaults.cause(failed(new IOException("reset")), false));
        assertEquals(ConnectFailureCause.PROXY, LocalFaults.cause(new ProxyConnectException(URI_, "http://p:3128",
                "proxy http://p:3128 refused CONNECT", 407, null), false), "a proxy's refusal is not the server's");
        assertEquals(ConnectFailureCause.PROXY, LocalFaults.cause(new ProxyConnectException(URI_, "http://p:3128",
                "could not connect to proxy", 0, new ConnectException("refused")), false));
    }

    @Test
    void thePoolsOwnDeadlineIsATimeoutWhateverTheTransportSaid() {
        assertEquals(ConnectFailureCause.TIMEOUT, LocalFaults.cause(failed(null), true));
        assertEquals(ConnectFailureCause.TIMEOUT, LocalFaults.cause(
                new LocalConnectException(URI_, "connect aborted while resolving", null), true));
        // but an answer that came is what it is
        assertEquals(ConnectFailureCause.HANDSHAKE_REJECTED,
                LocalFaults.cause(new EndpointConnectException(URI_, "HTTP/1.1 503", 503, null), true));
        // a proxy that never answered: the proxy's part failed, whichever deadline noticed it
        assertEquals(ConnectFailureCause.PROXY, LocalFaults.cause(new ProxyConnectException(URI_, "http://p:3128",
                "connect aborted while waiting for proxy", 0, null), true));
    }
}
