package io.github.wspool.metrics;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.jr.ob.JSON;
import com.sun.net.httpserver.HttpExchange;
import io.github.wspool.PoolClosedException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The admin server's HTTP plumbing, kept apart from what the routes mean: the guards every request passes (the
 * DNS-rebinding {@code Host} check, the method check, the bearer token), reading a request body within
 * {@link PoolAdminServer#MAX_REQUEST_BYTES} and parsing it as JSON, writing JSON answers with the headers every answer
 * carries, and mapping failures to status codes ({@link AdminException} as it says, a closed pool to 503, anything
 * else to a logged 500 that quotes nothing of the request).
 *
 * <p>It exists so that these rules are written once and can be read (and audited) in one place, apart from the route
 * handlers in {@link AdminRoutes}, which only say what each route does. It holds no per-request state and is
 * thread-safe: the JDK server calls {@link #dispatch} from many worker threads at once.
 */
final class AdminHttp {

    static final String JSON_TYPE = "application/json; charset=utf-8";

    /** Logged under the public class's name, which is what an application configures its logging for. */
    private static final System.Logger LOG = System.getLogger(PoolAdminServer.class.getName());

    /** What a route does with one request that passed the host check; may throw {@link AdminException}. */
    @FunctionalInterface
    interface Handler {
        void handle(HttpExchange exchange, String method, String path) throws IOException;
    }

    private final String poolName;
    private final byte[] tokenDigest;
    private final boolean loopbackOnly;
    private final JSON json = JSON.std.with(JSON.Feature.WRITE_NULL_PROPERTIES, JSON.Feature.PRETTY_PRINT_OUTPUT);
    private final JSON compactJson = JSON.std.with(JSON.Feature.WRITE_NULL_PROPERTIES)
            .with(JSON.Feature.FAIL_ON_DUPLICATE_MAP_KEYS);
    private final JsonFactory jsonFactory = new JsonFactory();

    /**
     * @param poolName     for messages and the log
     * @param token        the bearer token of mutating calls, or {@code null} to turn them off; only its digest is kept
     * @param loopbackOnly whether the server is bound to a loopback address (then the {@code Host} check applies)
     */
    AdminHttp(String poolName, String token, boolean loopbackOnly) {
        this.poolName = poolName;
        this.tokenDigest = token == null ? null : sha256(token);
        this.loopbackOnly = loopbackOnly;
    }

    /** Whether mutating calls are on (a bearer token was configured). */
    boolean mutatingCallsOn() {
        return tokenDigest != null;
    }

    /** The compact JSON writer (one line per document, as server-sent events need); also the request parser. */
    JSON compactJson() {
        return compactJson;
    }

    // ---------------------------------------------------------------------------------------------------- dispatch

    /**
     * Serves one exchange: the host check, then {@code handler}; failures become error answers; the exchange is
     * closed in the end.
     */
    void dispatch(HttpExchange ex, Handler handler) {
        try {
            checkHost(ex);
            handler.handle(ex, ex.getRequestMethod().toUpperCase(Locale.ROOT), ex.getRequestURI().getPath());
        } catch (AdminException e) {
            error(ex, e);
        } catch (PoolClosedException e) {
            error(ex, new AdminException(503, "pool '" + poolName + "' is closed"));
        } catch (IOException e) {
            // the client went away
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "admin server of pool '" + poolName + "': "
                    + ex.getRequestMethod() + " " + ex.getRequestURI().getPath() + " failed", e);
            error(ex, new AdminException(500, "internal error (" + e.getClass().getSimpleName()
                    + "); the application's log has the details"));
        } finally {
            ex.close();
        }
    }

    // ------------------------------------------------------------------------------------------------------ guards

    /**
     * Passes if {@code method} is one of {@code allowed}.
     *
     * @throws AdminException 405 with an {@code Allow} header otherwise
     */
    static void allow(String method, String... allowed) {
        for (String a : allowed) {
            if (a.equals(method)) {
                return;
            }
        }
        String list = String.join(", ", allowed);
        throw new AdminException(405, "method not allowed here; allowed: " + list, Map.of("Allow", list));
    }

    /** DNS-rebinding guard: a loopback-bound server answers only requests addressed to a loopback name. */
    private void checkHost(HttpExchange ex) {
        if (!loopbackOnly) {
            return;
        }
        String host = ex.getRequestHeaders().getFirst("Host");
        if (host == null || host.isEmpty()) {
            return; // HTTP/1.0 without Host: not a browser
        }
        String name = host;
        if (name.startsWith("[")) {
            int end = name.indexOf(']');
            name = end < 0 ? name : name.substring(1, end);
        } else if (name.indexOf(':') >= 0) {
            name = name.substring(0, name.lastIndexOf(':'));
        }
        name = name.toLowerCase(Locale.ROOT);
        if (name.equals("localhost") || name.endsWith(".localhost") || name.equals("::1")
                || name.matches("127\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}")) {
            return;
        }
        throw new AdminException(403, "this admin server listens on a loopback address and answers only requests"
                + " addressed to localhost or a loopback IP (protection against DNS rebinding)");
    }

    /**
     * The token rules of every mutating call: 405 when mutating calls are off, 401 without a bearer token, 403 with
     * another one (compared in constant time, as digests).
     *
     * @param readMethods the route's other methods, for the {@code Allow} header of the 405
     */
    void authorize(HttpExchange ex, String readMethods) {
        if (tokenDigest == null) {
            throw new AdminException(405, "mutating calls are off: this admin server was started without a bearer"
                    + " token. Start it with PoolAdminServer.builder(pool).bearerToken(\"...\") to turn them on, and"
                    + " send the token as 'Authorization: Bearer <token>'", Map.of("Allow", readMethods));
        }
        String auth = ex.getRequestHeaders().getFirst("Authorization");
        if (auth == null || auth.length() < 7 || !auth.regionMatches(true, 0, "Bearer ", 0, 7)
                || auth.substring(7).isBlank()) {
            throw new AdminException(401, "this call needs the admin bearer token: 'Authorization: Bearer <token>'",
                    Map.of("WWW-Authenticate", "Bearer realm=\"wspool-admin\""));
        }
        if (!MessageDigest.isEqual(sha256(auth.substring(7).trim()), tokenDigest)) {
            throw new AdminException(403, "the bearer token is not the one this admin server was configured with");
        }
    }

    // ------------------------------------------------------------------------------------------------------ bodies

    /**
     * Reads the request body (at most {@link PoolAdminServer#MAX_REQUEST_BYTES}) and parses it as one JSON value.
     *
     * @param optional whether an empty body is fine (then {@code null})
     * @throws AdminException 415 for another content type, 413 for a body too large, 400 for an empty (unless
     *                        optional) or malformed one, naming line and column
     */
    Object readJson(HttpExchange ex, boolean optional) throws IOException {
        String type = ex.getRequestHeaders().getFirst("Content-Type");
        if (type != null && !type.isBlank() && !type.toLowerCase(Locale.ROOT).startsWith("application/json")) {
            throw new AdminException(415, "the body must be JSON (Content-Type: application/json)");
        }
        byte[] body = readBody(ex);
        if (body.length == 0 || new String(body, StandardCharsets.UTF_8).isBlank()) {
            if (optional) {
                return null;
            }
            throw new AdminException(400, "the body is empty: a JSON object is expected");
        }
        try (JsonParser p = jsonFactory.createParser(body)) {
            Object value = compactJson.anyFrom(p);
            if (p.nextToken() != null) {
                JsonLocation at = p.currentTokenLocation();
                throw new AdminException(400, "malformed JSON at line " + at.getLineNr() + ", column "
                        + at.getColumnNr() + ": content after the JSON value");
            }
            return value;
        } catch (JsonProcessingException e) {
            JsonLocation at = e.getLocation();
            String where = at == null ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr()
                    + " (byte " + at.getByteOffset() + ")";
            throw new AdminException(400, "malformed JSON" + where + ": " + e.getOriginalMessage());
        }
    }

    /**
     * How much of a too-large body is read and dropped before the 413, so that the connection closes cleanly (a
     * server that closes with unread request bytes resets the connection, and the client may lose the answer); a
     * body announced larger than this is refused without reading, and its client may then see a reset.
     */
    private static final long DISCARD_LIMIT = 1L << 20;

    /** The body, refused (413) when its announced length is too large, or once it turns out to be. */
    private static byte[] readBody(HttpExchange ex) throws IOException {
        String length = ex.getRequestHeaders().getFirst("Content-Length");
        long announced = -1;
        if (length != null) {
            try {
                announced = Long.parseLong(length.trim());
            } catch (NumberFormatException e) {
                throw new AdminException(400, "the Content-Length header is not a number");
            }
        }
        try (InputStream in = ex.getRequestBody()) {
            if (announced > DISCARD_LIMIT) {
                throw tooLarge();
            }
            byte[] body = in.readNBytes(PoolAdminServer.MAX_REQUEST_BYTES + 1);
            if (body.length > PoolAdminServer.MAX_REQUEST_BYTES) {
                long dropped = 0;
                byte[] sink = new byte[8192];
                int n;
                while (dropped < DISCARD_LIMIT && (n = in.read(sink)) > 0) {
                    dropped += n;
                }
                throw tooLarge();
            }
            return body;
        }
    }

    private static AdminException tooLarge() {
        return new AdminException(413, "the request body is larger than " + PoolAdminServer.MAX_REQUEST_BYTES
                + " bytes");
    }

    // ----------------------------------------------------------------------------------------------------- answers

    /** Answers {@code document} as pretty-printed JSON. */
    void send(HttpExchange ex, int status, Object document) throws IOException {
        respond(ex, status, JSON_TYPE, (json.asString(document) + "\n").getBytes(StandardCharsets.UTF_8));
    }

    /** Answers {@code {status, error, message}} with the exception's extra headers; never throws. */
    private void error(HttpExchange ex, AdminException e) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("status", e.status());
        body.put("error", reason(e.status()));
        body.put("message", e.getMessage());
        e.headers().forEach((k, v) -> ex.getResponseHeaders().set(k, v));
        try {
            send(ex, e.status(), body);
        } catch (IOException | IllegalStateException ignored) {
            // the client went away, or the headers were already sent (an event stream): nothing more to say
        }
    }

    /** Sends a whole answer with the headers every answer carries ({@code no-store}, {@code nosniff}). */
    static void respond(HttpExchange ex, int status, String type, byte[] body) throws IOException {
        ex.getResponseHeaders().set("Content-Type", type);
        ex.getResponseHeaders().set("Cache-Control", "no-store");
        ex.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
        ex.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        try (OutputStream out = ex.getResponseBody()) {
            // closed here, so that the answer goes out before the exchange's close reads what is left of the request
            out.write(body);
        }
    }

    private static String reason(int status) {
        return switch (status) {
            case 400 -> "Bad Request";
            case 401 -> "Unauthorized";
            case 403 -> "Forbidden";
            case 404 -> "Not Found";
            case 405 -> "Method Not Allowed";
            case 409 -> "Conflict";
            case 413 -> "Payload Too Large";
            case 415 -> "Unsupported Media Type";
            case 422 -> "Unprocessable Entity";
            case 500 -> "Internal Server Error";
            case 501 -> "Not Implemented";
            case 503 -> "Service Unavailable";
            default -> "Error";
        };
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
