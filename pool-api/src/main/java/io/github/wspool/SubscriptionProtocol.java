package io.github.wspool;

import java.util.OptionalLong;

/**
 * The wire format of subscriptions (SPI): how to ask a server for a channel and how to read what it sends back. The
 * pool owns everything else (placing channels on connections, acknowledgement timeouts, dedup, order, recovery).
 *
 * <p>The default, {@code io.github.wspool.core.SubscriptionProtocols.json()}, speaks:
 * <pre>
 * client → server  {"type":"subscribe","channel":"c","messageId":"m1","since":41}   (since omitted the first time)
 *                  {"type":"unsubscribe","channel":"c","messageId":"m2"}            (no reply)
 * server → client  {"type":"subscribed","channel":"c","messageId":"m1","recovered":true}
 *                  {"type":"data","channel":"c","seq":42,"payload":...}
 *                  {"type":"error","messageId":"m1","payload":...}
 * </pre>
 * Implementations must be thread-safe and must not throw from {@link #classify}: a message they do not understand is
 * {@link Other}.
 */
public interface SubscriptionProtocol {

    /**
     * The subscribe request.
     *
     * @param channel   the channel
     * @param messageId the id the server must echo in its acknowledgement or error
     * @param since     the last position delivered (the server replays from the next one), or empty for the first
     *                  subscribe
     * @return the text message to send
     */
    String subscribe(String channel, String messageId, OptionalLong since);

    /**
     * The unsubscribe request (no reply is expected).
     *
     * @param channel   the channel
     * @param messageId a fresh id
     * @return the text message to send
     */
    String unsubscribe(String channel, String messageId);

    /**
     * What an inbound message on a connection that carries subscriptions is.
     *
     * @param message the message
     * @return {@link Ack}, {@link Data}, {@link Refusal} or {@link Other#INSTANCE}; never {@code null}
     */
    Inbound classify(InboundMessage message);

    /** A classified inbound message. */
    sealed interface Inbound permits Ack, Data, Refusal, Other {
    }

    /**
     * The server acknowledged a subscribe.
     *
     * @param channel   the channel
     * @param messageId the subscribe's id
     * @param recovered whether it replays from the requested position ({@code false} on a first subscribe, or when
     *                  its history no longer reaches back that far)
     */
    record Ack(String channel, String messageId, boolean recovered) implements Inbound {
    }

    /**
     * A message of a channel.
     *
     * @param channel  the channel
     * @param position its position in the channel's stream
     * @param payload  the payload as JSON text
     */
    record Data(String channel, long position, String payload) implements Inbound {
    }

    /**
     * The server refused a request.
     *
     * @param messageId the refused request's id
     * @param error     what it said (JSON text), or {@code null}
     */
    record Refusal(String messageId, String error) implements Inbound {
    }

    /** Anything else: passed on to the pool's message handler. */
    enum Other implements Inbound {
        /** The one value. */
        INSTANCE
    }
}
