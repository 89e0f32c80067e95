package io.github.wspool.metrics;

import java.util.Map;

/**
 * An HTTP error answer of the admin server: its status and a message for the operator. The message is ours (never a
 * request header, and never the token); it may quote a value the caller sent in a JSON body, to say what was wrong.
 */
final class AdminException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final int status;
    private final transient Map<String, String> headers;

    AdminException(int status, String message) {
        this(status, message, Map.of());
    }

    AdminException(int status, String message, Map<String, String> headers) {
        super(message, null, false, false);
        this.status = status;
        this.headers = Map.copyOf(headers);
    }

    int status() {
        return status;
    }

    /** Extra response headers (e.g. {@code Allow}, {@code WWW-Authenticate}). */
    Map<String, String> headers() {
        return headers;
    }
}
