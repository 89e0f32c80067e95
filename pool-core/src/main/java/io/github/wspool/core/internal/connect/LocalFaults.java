package io.github.wspool.core.internal.connect;

import io.github.wspool.core.spi.LocalConnectException;
import io.github.wspool.event.ConnectFailureCause;
import java.net.UnknownHostException;
import java.util.Locale;

/**
 * Tells a connect failure on this side from one of the server's: a local fault backs off like any failure but never
 * counts against the endpoint, so a client with no file descriptors, no memory, a broken resolver or a failing
 * header supplier does not eject every server at once.
 */
final class LocalFaults {

    private static final int MAX_DEPTH = 16;

    private LocalFaults() {
    }

    /**
     * Whether a connect failure is the client's own: a {@link LocalConnectException}, or a cause chain holding an
     * {@link OutOfMemoryError}, an {@link UnknownHostException} (the name did not resolve here) or an I/O error about
     * open files ({@code EMFILE}, {@code ENFILE}).
     *
     * @param failure the failure
     * @return {@code true} if it is local
     */
    static boolean isLocal(Throwable failure) {
        Throwable t = failure;
        for (int depth = 0; t != null && depth < MAX_DEPTH; depth++, t = t.getCause()) {
            if (t instanceof LocalConnectException || t instanceof OutOfMemoryError
                    || t instanceof UnknownHostException) {
                return true;
            }
            String m = t.getMessage();
            if (m != null && m.toLowerCase(Locale.ROOT).contains("too many open files")) {
                return true;
            }
        }
        return false;
    }

    /**
     * The class of a failed connect, for its event and the {@code wspool.connect.failures} meter: the initializer's,
     * a rejected upgrade's and a proxy's first, then the pool's own connect deadline ({@code timedOut}: whatever the transport
     * reported when it was aborted), a name that did not resolve, a fault on this side ({@link #isLocal}), and
     * otherwise the cause chain ({@link ConnectFailureCause#of}).
     *
     * @param failure  the failure
     * @param timedOut whether the pool's connect deadline aborted the attempt
     * @return its class
     */
    static ConnectFailureCause cause(Throwable failure, boolean timedOut) {
        ConnectFailureCause byType = ConnectFailureCause.of(failure);
        if (byType == ConnectFailureCause.INITIALIZER || byType == ConnectFailureCause.HANDSHAKE_REJECTED
                || byType == ConnectFailureCause.PROXY) {
            return byType;
        }
        if (timedOut) {
            return ConnectFailureCause.TIMEOUT;
        }
        if (byType != ConnectFailureCause.DNS && isLocal(failure)) {
            return ConnectFailureCause.LOCAL;
        }
        return byType;
    }
}
