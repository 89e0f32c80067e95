package io.github.wspool.core.internal.transport;

import io.github.wspool.ProxyConnectException;
import io.github.wspool.core.spi.HttpHeaders;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The HTTP {@code CONNECT} exchange of one connect through a proxy, shared by both transports (RFC 9110 9.3.6): the
 * request ({@code CONNECT host:port HTTP/1.1}, {@code Host}, {@code Proxy-Authorization} when there are credentials),
 * and the proxy's response head, read up to its blank line and no further, bounded by {@link #MAX_RESPONSE_BYTES}.
 * A {@code 2xx} opens the tunnel: what follows on the socket is the endpoint's (TLS, then the WebSocket upgrade).
 * Anything else fails the connect with a {@link ProxyConnectException} that quotes the status line and names the
 * proxy as {@code http://host:port}: never the credentials, which are in {@link #request()} only.
 *
 * <p>The selector transport feeds it what it reads ({@link #received(ByteBuffer)}, which stops at the end of the head
 * and leaves what follows in the buffer); the thread-per-connection transport runs {@link #exchange} on its blocking
 * socket, reading a byte at a time so that nothing past the head is taken from the stream that TLS or the WebSocket
 * engine reads next (a response head is a few dozen bytes, once per connect).
 */
public final class ProxyTunnel {

    /** The longest response head accepted from a proxy, in bytes. */
    public static final int MAX_RESPONSE_BYTES = 8 * 1024;

    private static final Pattern STATUS_LINE = Pattern.compile("HTTP/\\d(?:\\.\\d)? (\\d{3})(?: .*)?");

    private final URI endpoint;
    private final String proxy;
    private final String authority;
    private String authorization; // a secret, or null; dropped once the request is made
    private final boolean credentialsGiven;
    /** The response head so far: grown as needed up to the bound, dropped once it is complete (connections live on). */
    private byte[] head = new byte[128];
    private int length; // bytes of the response head so far

    /**
     * @param endpoint      the endpoint to tunnel to
     * @param proxy         the proxy (its host as given, unresolved or not)
     * @param authorization the {@code Proxy-Authorization} value, or {@code null}
     */
    public ProxyTunnel(URI endpoint, InetSocketAddress proxy, String authorization) {
        this.endpoint = endpoint;
        String host = proxy.getHostString();
        this.proxy = "http://" + (host.indexOf(':') >= 0 && !host.startsWith("[") ? "[" + host + "]" : host) + ":"
                + proxy.getPort();
        this.authority = endpoint.getHost() + ":" + AddressResolver.port(endpoint);
        this.authorization = authorization;
        this.credentialsGiven = authorization != null;
    }

    /**
     * The proxy, for messages.
     *
     * @return {@code http://host:port}
     */
    public String proxy() {
        return proxy;
    }

    /**
     * What the proxy is asked to connect to.
     *
     * @return the endpoint's {@code host:port} (an IPv6 literal in brackets)
     */
    public String authority() {
        return authority;
    }

    /**
     * The request to send, whole. It carries the credentials: never log it. Made once: the tunnel keeps no
     * credentials after.
     *
     * @return a new buffer, ready to be written
     */
    public ByteBuffer request() {
        StringBuilder r = new StringBuilder(128).append("CONNECT ").append(authority).append(" HTTP/1.1\r\nHost: ")
                .append(authority).append("\r\n");
        if (authorization != null) {
            r.append("Proxy-Authorization: ").append(authorization).append("\r\n");
            authorization = null;
        }
        return ByteBuffer.wrap(r.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1));
    }

    /**
     * Takes bytes of the proxy's response head from {@code in}, up to the end of the head: what follows stays in
     * {@code in}, for the layer above the tunnel.
     *
     * @param in bytes read from the proxy
     * @return {@code true} once the head is complete and its status is {@code 2xx}: the tunnel is open
     * @throws ProxyConnectException if the proxy refused, or sent a head that is too long or not HTTP
     */
    public boolean received(ByteBuffer in) {
        while (in.hasRemaining()) {
            if (take(in.get())) {
                return true;
            }
        }
        return false;
    }

    /**
     * Takes one byte of the response head.
     *
     * @return {@code true} once the head is complete and its status is {@code 2xx}
     */
    private boolean take(byte b) {
        if (length == MAX_RESPONSE_BYTES) {
            throw new ProxyConnectException(endpoint, proxy, "proxy " + proxy + " sent a response head longer than "
                    + MAX_RESPONSE_BYTES + " bytes to CONNECT " + authority, 0, null);
        }
        if (length == head.length) {
            head = Arrays.copyOf(head, Math.min(MAX_RESPONSE_BYTES, head.length * 2));
        }
        head[length++] = b;
        boolean end = b == '\n' && (length >= 2 && head[length - 2] == '\n'
                || length >= 3 && head[length - 2] == '\r' && head[length - 3] == '\n');
        return end && accepted();
    }

    /** The head is complete: {@code true} for 2xx, else the refusal. */
    private boolean accepted() {
        int eol = 0;
        while (head[eol] != '\n') {
            eol++;
        }
        String line = new String(head, 0, eol > 0 && head[eol - 1] == '\r' ? eol - 1 : eol,
                StandardCharsets.ISO_8859_1);
        head = new byte[0]; // done with, whatever the answer
        length = 0;
        Matcher m = STATUS_LINE.matcher(line);
        if (!m.matches()) {
            throw new ProxyConnectException(endpoint, proxy, "proxy " + proxy + " answered CONNECT " + authority
                    + " with something that is not an HTTP response: '" + shown(line) + "'", 0, null);
        }
        int status = Integer.parseInt(m.group(1));
        if (status >= 200 && status < 300) {
            return true;
        }
        String hint = "";
        if (status == 407) {
            hint = !credentialsGiven
                    ? " (proxy authentication required: give credentials in the proxy URI or with proxyCredentials)"
                    : " (the proxy did not accept the credentials given)";
        }
        throw new ProxyConnectException(endpoint, proxy, "proxy " + proxy + " refused CONNECT " + authority + ": "
                + shown(line) + hint, status, null);
    }

    private static String shown(String line) {
        return HttpHeaders.printable(line.length() > 200 ? line.substring(0, 200) + "..." : line);
    }

    /**
     * The proxy could not be reached (every address refused or timed out).
     *
     * @param cause the last failure
     * @return the failure to report
     */
    public ProxyConnectException unreachable(Exception cause) {
        return new ProxyConnectException(endpoint, proxy, "could not connect to proxy " + proxy + " ("
                + describe(cause) + ")", 0, cause);
    }

    /**
     * The proxy did not answer in time.
     *
     * @param connectTimeout the connect timeout that passed
     * @return the failure to report
     */
    public ProxyConnectException timedOut(Duration connectTimeout) {
        String what = "proxy " + proxy + " did not answer CONNECT " + authority + " within "
                + connectTimeout.toMillis() + " ms (connectTimeout)";
        return new ProxyConnectException(endpoint, proxy, what, 0, new SocketTimeoutException(what));
    }

    /**
     * The connect was aborted while the proxy had not answered yet.
     *
     * @return the failure to report
     */
    public ProxyConnectException aborted() {
        return new ProxyConnectException(endpoint, proxy, "connect aborted while waiting for proxy " + proxy
                + " to answer CONNECT " + authority, 0, null);
    }

    /**
     * Reading from or writing to the proxy failed before it answered; {@code null} for the end of the stream.
     *
     * @param cause the I/O failure, or {@code null} if the proxy closed the connection
     * @return the failure to report
     */
    public ProxyConnectException failed(IOException cause) {
        return new ProxyConnectException(endpoint, proxy, "proxy " + proxy + (cause == null
                ? " closed the connection" : " failed (" + describe(cause) + ")") + " before answering CONNECT "
                + authority, 0, cause);
    }

    private static String describe(Throwable t) {
        String m = t.getMessage();
        return m == null || m.isBlank() ? t.getClass().getSimpleName() : t.getClass().getSimpleName() + ": " + m;
    }

    /**
     * The whole exchange on a blocking socket connected to the proxy: writes the request and reads the response
     * head a byte at a time (nothing past it is consumed), each read bounded by what is left until
     * {@code deadlineNanos}.
     *
     * @param socket         connected to the proxy; its read timeout is restored to none on success
     * @param in             the socket's input, unbuffered
     * @param out            the socket's output
     * @param deadlineNanos  the {@link System#nanoTime()} by which the proxy must have answered
     * @param connectTimeout for the message when it did not
     * @throws ProxyConnectException if the proxy refused, failed, closed or did not answer in time
     * @throws IOException           if the socket's options cannot be set
     */
    public void exchange(Socket socket, InputStream in, OutputStream out, long deadlineNanos, Duration connectTimeout)
            throws IOException {
        ByteBuffer request = request();
        try {
            out.write(request.array(), 0, request.limit());
            out.flush();
        } catch (IOException e) {
            throw failed(e);
        } finally {
            Arrays.fill(request.array(), (byte) 0);
        }
        while (true) {
            long left = deadlineNanos - System.nanoTime();
            if (left <= 0) {
                throw timedOut(connectTimeout);
            }
            socket.setSoTimeout((int) Math.max(1, Math.min(Integer.MAX_VALUE, TimeUnit.NANOSECONDS.toMillis(left))));
            int b;
            try {
                b = in.read();
            } catch (SocketTimeoutException e) {
                throw timedOut(connectTimeout);
            } catch (IOException e) {
                throw failed(e);
            }
            if (b < 0) {
                throw failed(null);
            }
            if (take((byte) b)) {
                socket.setSoTimeout(0);
                return;
            }
        }
    }
}
