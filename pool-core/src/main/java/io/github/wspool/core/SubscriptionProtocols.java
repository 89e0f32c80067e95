package io.github.wspool.core;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.github.wspool.InboundMessage;
import io.github.wspool.SubscriptionProtocol;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.Objects;
import java.util.OptionalLong;

/**
 * Ready-made {@link SubscriptionProtocol}s.
 *
 * <p>{@link #json()} is the pool's default: the seeds' subscribe/unsubscribe messages with stream positions added
 * ({@code since} on a re-subscribe, {@code seq} on each data message, {@code recovered} on the acknowledgement). It
 * reads and writes JSON with Jackson's streaming parser and generator (so escapes, nesting and numbers are exactly
 * JSON's), and hands a data message's {@code payload} on as the exact text the server wrote, without re-encoding it.
 */
public final class SubscriptionProtocols {

    private static final SubscriptionProtocol JSON = new Json();

    private SubscriptionProtocols() {
    }

    /**
     * The default wire format:
     * <pre>
     * client → server  {"type":"subscribe","channel":"c","messageId":"m1","since":41}   (since omitted the first time)
     *                  {"type":"unsubscribe","channel":"c","messageId":"m2"}
     * server → client  {"type":"subscribed","channel":"c","messageId":"m1","recovered":true}
     *                  {"type":"data","channel":"c","seq":42,"payload":...}
     *                  {"type":"error","messageId":"m1","payload":...}
     * </pre>
     * Fields may come in any order and unknown fields are ignored; a message that is not a JSON object, lacks a field
     * its type needs ({@code channel} and a whole-number {@code seq} for data, {@code channel} and {@code messageId}
     * for an acknowledgement, {@code messageId} for an error) or is malformed (anything but whitespace after the
     * object included) is {@link SubscriptionProtocol.Other}. An object or array under a known name is not that
     * field's value and is never read as part of the message.
     * A missing {@code recovered} reads as {@code false}; a missing {@code payload} as {@code null}. Binary messages
     * are decoded as UTF-8.
     *
     * @return the protocol (stateless, shared)
     */
    public static SubscriptionProtocol json() {
        return JSON;
    }

    /** The default protocol; stateless. */
    private static final class Json implements SubscriptionProtocol {

        private static final JsonFactory FACTORY = new JsonFactory();

        @Override
        public String subscribe(String channel, String messageId, OptionalLong since) {
            Objects.requireNonNull(since, "since");
            return write("subscribe", channel, messageId, since);
        }

        @Override
        public String unsubscribe(String channel, String messageId) {
            return write("unsubscribe", channel, messageId, OptionalLong.empty());
        }

        private static String write(String type, String channel, String messageId, OptionalLong since) {
            Objects.requireNonNull(channel, "channel");
            Objects.requireNonNull(messageId, "messageId");
            StringWriter out = new StringWriter(64 + channel.length());
            try (JsonGenerator g = FACTORY.createGenerator(out)) {
                g.writeStartObject();
                g.writeStringField("type", type);
                g.writeStringField("channel", channel);
                g.writeStringField("messageId", messageId);
                if (since.isPresent()) {
                    g.writeNumberField("since", since.getAsLong());
                }
                g.writeEndObject();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write a " + type + " message", e); // a StringWriter does not fail
            }
            return out.toString();
        }

        @Override
        public Inbound classify(InboundMessage message) {
            String text = message.asText();
            if (text.isEmpty() || text.charAt(0) != '{' && !text.stripLeading().startsWith("{")) {
                return Other.INSTANCE; // cheap exit for what is clearly not ours
            }
            try (JsonParser p = FACTORY.createParser(text)) {
                return classify(p, text);
            } catch (IOException | RuntimeException malformed) {
                return Other.INSTANCE;
            }
        }

        private static Inbound classify(JsonParser p, String text) throws IOException {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return Other.INSTANCE;
            }
            String type = null;
            String channel = null;
            String messageId = null;
            String payload = null;
            boolean recovered = false;
            long seq = 0;
            boolean hasSeq = false;
            JsonToken t;
            while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken v = p.nextToken();
                switch (name) {
                    case "type" -> type = v == JsonToken.VALUE_STRING ? p.getText() : null;
                    case "channel" -> channel = v == JsonToken.VALUE_STRING ? p.getText() : null;
                    case "messageId" -> messageId = v == JsonToken.VALUE_STRING || v == JsonToken.VALUE_NUMBER_INT
                            ? p.getText() : null;
                    case "recovered" -> recovered = v == JsonToken.VALUE_TRUE;
                    case "seq" -> {
                        hasSeq = v == JsonToken.VALUE_NUMBER_INT && p.getNumberType() != JsonParser.NumberType.BIG_INTEGER;
                        seq = hasSeq ? p.getLongValue() : 0;
                    }
                    case "payload" -> payload = raw(p, v, text);
                    default -> {
                        // an unknown field: skipped below, whatever it holds
                    }
                }
                // An object or array under any name but payload (already consumed by raw) is skipped whole, so that
                // its inner fields are never read as the message's own, even under a known name ("channel":{...}).
                p.skipChildren();
            }
            if (t != JsonToken.END_OBJECT || type == null || p.nextToken() != null) {
                return Other.INSTANCE; // not a whole object, or something follows it: malformed
            }
            return switch (type) {
                case "data" -> channel != null && hasSeq ? new Data(channel, seq, payload != null ? payload : "null")
                        : Other.INSTANCE;
                case "subscribed" -> channel != null && messageId != null ? new Ack(channel, messageId, recovered)
                        : Other.INSTANCE;
                case "error" -> messageId != null ? new Refusal(messageId, payload) : Other.INSTANCE;
                default -> Other.INSTANCE;
            };
        }

        /** The value the parser stands on, as the exact text the server wrote. */
        private static String raw(JsonParser p, JsonToken v, String text) throws IOException {
            int start = (int) p.currentTokenLocation().getCharOffset();
            if (v.isStructStart()) {
                p.skipChildren();
            } else {
                p.finishToken();
            }
            int end = (int) p.currentLocation().getCharOffset();
            return text.substring(start, end);
        }

        @Override
        public String toString() {
            return "SubscriptionProtocols.json()";
        }
    }
}
