package io.github.wspool.core.internal;

/** Validation of HTTP header names and values for the upgrade request, in messages that never quote a value. */
public final class HttpHeaders {

    private static final int MAX_PRINTED = 64;

    private HttpHeaders() {
    }

    /**
     * Why a header cannot be sent, or {@code null} if it can. The message names the header but never shows its
     * value: values carry credentials.
     *
     * @param name  the header name
     * @param value the header value
     * @return the problem, or {@code null}
     */
    public static String problem(String name, String value) {
        if (name == null || name.isEmpty() || !name.chars().allMatch(HttpHeaders::isTokenChar)) {
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
     * A string safe to put in a message: control characters escaped, cut at 64 characters.
     *
     * @param s any string
     * @return a printable form
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

    private static boolean isTokenChar(int ch) {
        return ch > 32 && ch < 127 && "()<>@,;:\\\"/[]?={}".indexOf(ch) < 0;
    }
}
