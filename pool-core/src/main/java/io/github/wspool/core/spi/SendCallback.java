package io.github.wspool.core.spi;

import io.github.wspool.MessageNotSentException;

/**
 * The outcome of one tracked send ({@link TransportConnection#sendText(String, SendCallback)}): the transport calls
 * exactly one of the two methods, once, from any of its threads. Implementations must return quickly and never
 * block: they may be called while the transport holds its writer's role.
 */
public interface SendCallback {

    /** The whole frame was written to the socket (handed to the operating system). */
    void written();

    /**
     * The frame was not written entirely: the connection ended first, or the transport refused it.
     *
     * @param reason       why
     * @param pendingBytes bytes of the frame (header included) not written
     * @param cause        the failure that ended the connection, or {@code null}
     */
    void notWritten(MessageNotSentException.Reason reason, long pendingBytes, Throwable cause);
}
