package io.github.wspool.core.spi;

/**
 * The rules for the headers of a WebSocket upgrade request, and for quoting what a server or a user supplied in a
 * message. The pool applies them to every header it is given (the builder's, an endpoint's, and those a
 * {@link io.github.wspool.HeaderSupplier} returns through {@link TransportOptions#handshakeHeaders(java.net.URI)});
 * a transport author can apply {@link #problem(String, String)} to headers of its own, and
 * {@link #printable(String)} to any untrusted text it puts in an exception or a log line.
 *
 * <p>A header name must be an HTTP token (RFC 9110 5.6.2: visible ASCII without separators); a value must not
 * contain CR, LF or NUL, which would split the request. Messages name the header but never quote its value:
 * values carry credentials.
 *
 * <p>Stateless and thread-safe; not instantiable.
 */
public final class HttpHeaders {

    /** The most characters of a string {@link #printable(String)} shows. */
    private static final int MAX_PRINTED = 64;

    private HttpHeaders() {
    }

    /**
     * Why a header cannot be sent in an upgrade request, or {@code null} if it can: the name is {@code null}, empty
     * or not an HTTP token, or the value is {@code null} or contains CR, LF or NUL. The message names the header
     * (a name that is not a token is shown through {@link #printable(String)}) but never shows its value: values
     * carry credentials.
     *
     * @param name  the header name, may be {@code null}
     * @param value the header value, may be {@code null}
     * @return the problem, for an exception's message, or {@code null} if the header can be sent
     */
    public static String problem(String name, String value) {
        if (!isToken(name)) {
            return "header name must be an HTTP token, but was " + (name == null ? "null" : "'" + printable(name) + "'");
        }
        if (value == null) {
            return "value of header '" + name + "' must not be null";
        }
        for (int i = 0; i < value.length(); i++) {
            char ch = value.charAt(i);
            if (ch == '\r' || ch == '\n' || ch == 0) {
                return "value of header '" + name + "' must not contain CR, LF or NUL"
                        + " (the value itself is not shown: it may be a secret)";
            }
        }
        return null;
    }

    /**
     * A form of {@code s} safe to put in a message or a log line: control characters (below U+0020, and U+007F)
     * escaped as Java Unicode escapes (a backslash, {@code u} and four hex digits), and the string cut at 64
     * characters, with {@code "..."} appended when cut.
     *
     * @param s any string, not {@code null}
     * @return the printable form
     */
    public static String printable(String s) {
        StringBuilder b = new StringBuilder(Math.min(s.length(), MAX_PRINTED) + 8);
        for (int i = 0; i < s.length() && i < MAX_PRINTED; i++) {
            char ch = s.charAt(i);
            if (ch < 32 || ch == 127) {
                b.append(String.format("\\u%04x", (int) ch));
            } else {
                b.append(ch);
            }
        }
        if (s.length() > MAX_PRINTED) {
            b.append("...");
        }
        return b.toString();
    }

    /**
     * Whether {@code s} is an HTTP token (RFC 9110 5.6.2): what a header name or a subprotocol name must be.
     *
     * @param s any string, or {@code null}
     * @return {@code true} if it is a non-empty token
     */
    public static boolean isToken(String s) {
        return s != null && !s.isEmpty() && s.chars().allMatch(HttpHeaders::isTokenChar);
    }

    private static boolean isTokenChar(int ch) {
        return ch > 32 && ch < 127 && "()<>@,;:\\\"/[]?={}".indexOf(ch) < 0;
    }
}
