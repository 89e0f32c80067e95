package io.github.wspool.core.internal.transport;

import io.github.wspool.MessageNotSentException;

/** Why frames not written when a connection ended were not: the one rule both transports report by. */
public final class EndReason {

    private EndReason() {
    }

    /**
     * The reason for frames left unwritten at the end of a connection.
     *
     * @param remote         the server closed it
     * @param closeRequested the pool had asked it to close
     * @param failing        this side failed it (a protocol violation, a write error)
     * @param error          the transport's error, or {@code null}
     * @return {@code CLOSED_BY_PEER} for the server's orderly close, {@code CLOSE_TIMEOUT} for the pool's close cut
     *         off by its close timeout, else {@code ABORTED}
     */
    public static MessageNotSentException.Reason of(boolean remote, boolean closeRequested, boolean failing,
                                                    Throwable error) {
        if (remote && error == null) {
            return MessageNotSentException.Reason.CLOSED_BY_PEER;
        }
        if (closeRequested && error == null && !failing) {
            return MessageNotSentException.Reason.CLOSE_TIMEOUT;
        }
        return MessageNotSentException.Reason.ABORTED;
    }
}
