package io.github.wspool.core.internal.connection;

/** What a server's close code says about the server, as opposed to the connection. */
public final class CloseCodes {

    private CloseCodes() {
    }

    /**
     * Whether the server says it is going away: 1001 (going away), 1012 (service restart), 1013 (try again later).
     * A drain notice for its endpoint ({@code health.ServerDrain}), and no verdict on the connect that opened the
     * connection ({@code connect.ConnectAttempt}).
     *
     * @param code the close code the server sent
     * @return {@code true} for those three
     */
    public static boolean goingAway(int code) {
        return code == 1001 || code == 1012 || code == 1013;
    }
}
