package io.github.wspool.core.spi;

import io.github.wspool.EndpointConnectException;
import java.net.URI;

/**
 * A connect that failed for a reason on this side, not the server's: the header supplier threw or returned
 * something unusable, the local resolver failed, the process ran out of file descriptors or memory. The pool backs
 * off as for any failed connect but does not count it against the endpoint: a client fault never ejects a server.
 * Transports throw (or report) it where they know a failure is local; the pool also recognises the common local
 * causes in a failure's cause chain on its own.
 */
public class LocalConnectException extends EndpointConnectException {

    private static final long serialVersionUID = 1L;

    /**
     * @param endpoint the endpoint being connected to
     * @param detail   what failed on this side
     * @param cause    the underlying failure, may be {@code null}
     */
    public LocalConnectException(URI endpoint, String detail, Throwable cause) {
        super(endpoint, detail, 0, cause);
    }
}
