package io.github.wspool.core.internal.health;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import javax.net.ssl.SSLSocketFactory;

/**
 * One HTTP health check: {@code GET <path>} with a bound on connect and read, passing on a 2xx status.
 *
 * <p>Why not the JDK {@code HttpClient}: on Java 17 it cannot be closed, and its selector thread lives on until the
 * client is garbage-collected, so a pool using it could not promise that no thread of it is left after
 * {@code close()}. A health check needs one request line and one status line; this does exactly that over a plain
 * (or TLS) socket, on the pool's own health-check thread.
 */
final class HttpHealthCheck {

    private HttpHealthCheck() {
    }

    /**
     * Runs the check.
     *
     * @return {@code null} if healthy, else what was wrong (e.g. {@code "HTTP/1.1 503 Service Unavailable"})
     */
    static String check(URI url, Duration timeout) {
        String scheme = url.getScheme() == null ? "http" : url.getScheme().toLowerCase(Locale.ROOT);
        boolean tls = scheme.equals("https");
        int port = url.getPort() >= 0 ? url.getPort() : (tls ? 443 : 80);
        int timeoutMillis = (int) Math.max(1, Math.min(Integer.MAX_VALUE, timeout.toMillis()));
        String path = url.getRawPath() == null || url.getRawPath().isEmpty() ? "/" : url.getRawPath();
        if (url.getRawQuery() != null) {
            path += "?" + url.getRawQuery();
        }
        try (Socket socket = tls ? SSLSocketFactory.getDefault().createSocket() : new Socket()) {
            socket.connect(new InetSocketAddress(url.getHost(), port), timeoutMillis);
            socket.setSoTimeout(timeoutMillis);
            OutputStream out = socket.getOutputStream();
            out.write(("GET " + path + " HTTP/1.1\r\nHost: " + url.getHost() + ":" + port
                    + "\r\nConnection: close\r\nAccept: */*\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(),
                    StandardCharsets.US_ASCII));
            String status = in.readLine();
            if (status == null) {
                return "no HTTP response";
            }
            String[] parts = status.split(" ", 3);
            if (parts.length >= 2 && parts[1].length() == 3 && parts[1].charAt(0) == '2') {
                return null;
            }
            return status.trim();
        } catch (IOException | RuntimeException e) {
            return e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
        }
    }
}
