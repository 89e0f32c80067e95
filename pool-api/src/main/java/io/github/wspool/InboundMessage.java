package io.github.wspool;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * One inbound WebSocket message (text or binary) and the connection it arrived on.
 *
 * <p>Immutable: a binary message's bytes are a private copy, handed out as read-only buffers. {@link #toString()}
 * shows the size, never the content.
 */
public final class InboundMessage {

    private final String connectionId;
    private final Endpoint endpoint;
    private final String text;
    private final ByteBuffer data;

    private InboundMessage(String connectionId, Endpoint endpoint, String text, ByteBuffer data) {
        this.connectionId = Objects.requireNonNull(connectionId, "connectionId");
        this.endpoint = Objects.requireNonNull(endpoint, "endpoint");
        this.text = text;
        this.data = data;
    }

    /**
     * A text message.
     *
     * @param connectionId the connection's id
     * @param endpoint     its endpoint
     * @param text         the message
     * @return the message
     */
    public static InboundMessage text(String connectionId, Endpoint endpoint, String text) {
        return new InboundMessage(connectionId, endpoint, Objects.requireNonNull(text, "text"), null);
    }

    /**
     * A binary message; the remaining bytes of {@code data} are copied, its position is not changed.
     *
     * @param connectionId the connection's id
     * @param endpoint     its endpoint
     * @param data         the message
     * @return the message
     */
    public static InboundMessage binary(String connectionId, Endpoint endpoint, ByteBuffer data) {
        ByteBuffer copy = ByteBuffer.allocate(data.remaining());
        copy.put(data.duplicate()).flip();
        return new InboundMessage(connectionId, endpoint, null, copy.asReadOnlyBuffer());
    }

    /**
     * The id of the connection the message arrived on (as {@link PooledConnection#id()}).
     *
     * @return the connection id
     */
    public String connectionId() {
        return connectionId;
    }

    /**
     * The endpoint the message came from.
     *
     * @return the endpoint
     */
    public Endpoint endpoint() {
        return endpoint;
    }

    /**
     * Whether this is a text message.
     *
     * @return {@code true} for text, {@code false} for binary
     */
    public boolean isText() {
        return text != null;
    }

    /**
     * The text of a text message.
     *
     * @return the text
     * @throws IllegalStateException if this is a binary message (check {@link #isText()})
     */
    public String text() {
        if (text == null) {
            throw new IllegalStateException("message from " + connectionId + " is binary (" + data.remaining()
                    + " bytes), not text: check isText() or use data()");
        }
        return text;
    }

    /**
     * The bytes of a binary message, as a new read-only buffer over them.
     *
     * @return the bytes
     * @throws IllegalStateException if this is a text message (check {@link #isText()})
     */
    public ByteBuffer data() {
        if (data == null) {
            throw new IllegalStateException("message from " + connectionId + " is text, not binary: check isText()"
                    + " or use text()");
        }
        return data.duplicate();
    }

    /**
     * The message as text: a text message as is, a binary one decoded as UTF-8.
     *
     * @return the text
     */
    public String asText() {
        return text != null ? text : StandardCharsets.UTF_8.decode(data.duplicate()).toString();
    }

    /**
     * The message's size: characters for text, bytes for binary.
     *
     * @return the size
     */
    public int size() {
        return text != null ? text.length() : data.remaining();
    }

    @Override
    public String toString() {
        return "InboundMessage[" + connectionId + ", " + (text != null ? "text, " + text.length() + " chars"
                : "binary, " + data.remaining() + " bytes") + "]";
    }
}
