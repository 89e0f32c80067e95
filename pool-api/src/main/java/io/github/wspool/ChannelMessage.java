package io.github.wspool;

import java.util.Objects;

/**
 * One message of a subscribed channel, as a {@link SubscriptionListener} receives it: delivered once and in position
 * order, whatever connections carried it.
 *
 * @param channel  the channel
 * @param position its position in the channel's stream (the server's sequence number); strictly increasing
 * @param payload  the message's payload as JSON text, exactly as the server wrote it (for the default protocol: the
 *                 value of the {@code payload} field)
 */
public record ChannelMessage(String channel, long position, String payload) {

    /**
     * @param channel  not null
     * @param position the position
     * @param payload  not null
     */
    public ChannelMessage {
        Objects.requireNonNull(channel, "channel");
        Objects.requireNonNull(payload, "payload");
    }

    @Override
    public String toString() {
        return "ChannelMessage[" + channel + "@" + position + ", " + payload.length() + " chars]";
    }
}
