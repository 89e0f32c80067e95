package io.github.wspool.core;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.github.wspool.Endpoint;
import io.github.wspool.InboundMessage;
import io.github.wspool.SessionStore;
import io.github.wspool.SubscriptionProtocol;
import io.github.wspool.SubscriptionProtocol.Ack;
import io.github.wspool.SubscriptionProtocol.Data;
import io.github.wspool.SubscriptionProtocol.Inbound;
import io.github.wspool.SubscriptionProtocol.Other;
import io.github.wspool.SubscriptionProtocol.Refusal;
import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The default subscription protocol, {@link SubscriptionProtocols#json()}: the exact text it writes, and how it reads
 * every kind of inbound message (the well-formed, the odd and the broken); and the default {@link SessionStore},
 * {@link SessionStores#inMemory()}.
 */
class SubscriptionProtocolsTest {

    private static final SubscriptionProtocol JSON = SubscriptionProtocols.json();
    private static final JsonFactory FACTORY = new JsonFactory();
    private static final Endpoint ENDPOINT = new Endpoint() {
        @Override
        public URI uri() {
            return URI.create("ws://127.0.0.1:1/channels");
        }

        @Override
        public int weight() {
            return 1;
        }
    };

    private static Inbound classify(String text) {
        return JSON.classify(InboundMessage.text("c-1", ENDPOINT, text));
    }

    private static Inbound classifyBinary(byte[] bytes) {
        return JSON.classify(InboundMessage.binary("c-1", ENDPOINT, ByteBuffer.wrap(bytes)));
    }

    /** A data message with {@code payload} (raw JSON text) as its last field. */
    private static String data(String channel, long seq, String payload) {
        return "{\"type\":\"data\",\"channel\":\"" + channel + "\",\"seq\":" + seq + ",\"payload\":" + payload + "}";
    }

    /** The fields of a JSON object, scalars as their text (strings unescaped), nested values as "<object>". */
    private static Map<String, Object> parse(String json) throws IOException {
        Map<String, Object> out = new LinkedHashMap<>();
        try (JsonParser p = FACTORY.createParser(json)) {
            assertEquals(JsonToken.START_OBJECT, p.nextToken(), json);
            JsonToken t;
            while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken v = p.nextToken();
                Object value = switch (v) {
                    case VALUE_STRING -> p.getText();
                    case VALUE_NUMBER_INT -> p.getLongValue();
                    default -> {
                        p.skipChildren();
                        yield "<" + v + ">";
                    }
                };
                assertTrue(out.put(name, value) == null, "field " + name + " written once: " + json);
            }
            assertEquals(JsonToken.END_OBJECT, t, json);
            assertEquals(null, p.nextToken(), "nothing after the object: " + json);
        }
        return out;
    }

    // ================================================================================================ writing

    @Test
    void subscribeWithoutSinceIsExactlyTheSeedsMessage() {
        assertEquals("{\"type\":\"subscribe\",\"channel\":\"c\",\"messageId\":\"m1\"}",
                JSON.subscribe("c", "m1", OptionalLong.empty()));
    }

    @Test
    void subscribeWithSinceAddsItAsANumberLast() {
        assertEquals("{\"type\":\"subscribe\",\"channel\":\"c\",\"messageId\":\"m1\",\"since\":41}",
                JSON.subscribe("c", "m1", OptionalLong.of(41)));
        assertEquals("{\"type\":\"subscribe\",\"channel\":\"c\",\"messageId\":\"m1\",\"since\":0}",
                JSON.subscribe("c", "m1", OptionalLong.of(0)), "since 0 is a position, not 'none'");
        assertEquals("{\"type\":\"subscribe\",\"channel\":\"prices.EURUSD\",\"messageId\":\"s-17\","
                + "\"since\":9223372036854775807}", JSON.subscribe("prices.EURUSD", "s-17",
                OptionalLong.of(Long.MAX_VALUE)));
    }

    @Test
    void unsubscribeIsExactlyTheSeedsMessageAndNeverHasSince() {
        assertEquals("{\"type\":\"unsubscribe\",\"channel\":\"c\",\"messageId\":\"m2\"}", JSON.unsubscribe("c", "m2"));
        assertEquals("{\"type\":\"unsubscribe\",\"channel\":\"prices.EURUSD\",\"messageId\":\"\"}",
                JSON.unsubscribe("prices.EURUSD", ""));
    }

    @Test
    void channelNamesAndIdsAreJsonEscaped() {
        assertEquals("{\"type\":\"subscribe\",\"channel\":\"a\\\"b\\\\c\",\"messageId\":\"id\\\"1\",\"since\":5}",
                JSON.subscribe("a\"b\\c", "id\"1", OptionalLong.of(5)));
        assertEquals("{\"type\":\"unsubscribe\",\"channel\":\"line\\nfeed\\ttab\\u0001ctl\\r\",\"messageId\":\"m\"}",
                JSON.unsubscribe("line\nfeed\ttab\u0001ctl\r", "m"));
        // non-ASCII is valid inside a JSON string as it is: written unescaped, read back the same
        assertEquals("{\"type\":\"subscribe\",\"channel\":\"prix/€/日本/\uD83D\uDE00\",\"messageId\":\"m\"}",
                JSON.subscribe("prix/€/日本/\uD83D\uDE00", "m", OptionalLong.empty()));
        // a would-be injection stays inside the string
        String injected = JSON.subscribe("x\",\"type\":\"unsubscribe", "m", OptionalLong.empty());
        assertEquals("{\"type\":\"subscribe\",\"channel\":\"x\\\",\\\"type\\\":\\\"unsubscribe\",\"messageId\":\"m\"}",
                injected);
    }

    @ParameterizedTest
    @ValueSource(strings = {"c", "", " ", "a\"b", "back\\slash", "\\\"", "}{][,:", "tab\there", "nl\nx", "\u0000nul",
            "\u001f\u007f", "é€日本", "\uD83D\uDE00 emoji", "\u2028\u2029", "</script>", "{\"type\":\"data\"}"})
    void whatIsWrittenParsesBackToTheSameFields(String channel) throws IOException {
        String messageId = "id-" + channel;
        Map<String, Object> first = parse(JSON.subscribe(channel, messageId, OptionalLong.empty()));
        assertEquals(List.of("type", "channel", "messageId"), new ArrayList<>(first.keySet()));
        assertEquals("subscribe", first.get("type"));
        assertEquals(channel, first.get("channel"));
        assertEquals(messageId, first.get("messageId"));

        Map<String, Object> again = parse(JSON.subscribe(channel, messageId, OptionalLong.of(123_456_789_012L)));
        assertEquals(List.of("type", "channel", "messageId", "since"), new ArrayList<>(again.keySet()));
        assertEquals(channel, again.get("channel"));
        assertEquals(123_456_789_012L, again.get("since"));

        Map<String, Object> un = parse(JSON.unsubscribe(channel, messageId));
        assertEquals(Map.of("type", "unsubscribe", "channel", channel, "messageId", messageId), un);

        // and the protocol reads its own escapes back: a server echoing the channel in its ack is understood
        String ack = "{\"type\":\"subscribed\",\"channel\":" + JSON.subscribe(channel, "m", OptionalLong.empty())
                .replaceFirst("^\\{\"type\":\"subscribe\",\"channel\":", "").replaceFirst(",\"messageId\":\"m\"}$", "")
                + ",\"messageId\":\"m\",\"recovered\":true}";
        assertEquals(new Ack(channel, "m", true), classify(ack));
    }

    @Test
    void nullArgumentsAreRefused() {
        assertThrows(NullPointerException.class, () -> JSON.subscribe(null, "m", OptionalLong.empty()));
        assertThrows(NullPointerException.class, () -> JSON.subscribe("c", null, OptionalLong.empty()));
        assertThrows(NullPointerException.class, () -> JSON.subscribe("c", "m", null));
        assertThrows(NullPointerException.class, () -> JSON.unsubscribe(null, "m"));
        assertThrows(NullPointerException.class, () -> JSON.unsubscribe("c", null));
    }

    @Test
    void theProtocolIsOneSharedStatelessInstance() {
        assertSame(JSON, SubscriptionProtocols.json());
        assertEquals("SubscriptionProtocols.json()", JSON.toString());
    }

    // ================================================================================================ acknowledgements

    @Test
    void ackWithRecoveredTrueFalseOrMissing() {
        assertEquals(new Ack("c", "m1", true),
                classify("{\"type\":\"subscribed\",\"channel\":\"c\",\"messageId\":\"m1\",\"recovered\":true}"));
        assertEquals(new Ack("c", "m1", false),
                classify("{\"type\":\"subscribed\",\"channel\":\"c\",\"messageId\":\"m1\",\"recovered\":false}"));
        assertEquals(new Ack("c", "m1", false), classify("{\"type\":\"subscribed\",\"channel\":\"c\",\"messageId\":\"m1\"}"),
                "a missing recovered reads as false");
        assertEquals(new Ack("c", "m1", false),
                classify("{\"type\":\"subscribed\",\"channel\":\"c\",\"messageId\":\"m1\",\"recovered\":null}"));
        assertEquals(new Ack("c", "m1", false),
                classify("{\"type\":\"subscribed\",\"channel\":\"c\",\"messageId\":\"m1\",\"recovered\":\"true\"}"),
                "only the JSON literal true is true");
        assertEquals(new Ack("c", "m1", false),
                classify("{\"type\":\"subscribed\",\"channel\":\"c\",\"messageId\":\"m1\",\"recovered\":1}"));
    }

    @Test
    void ackMessageIdMayBeANumber() {
        assertEquals(new Ack("c", "17", true),
                classify("{\"type\":\"subscribed\",\"channel\":\"c\",\"messageId\":17,\"recovered\":true}"));
        assertEquals(new Ack("c", "-3", false), classify("{\"type\":\"subscribed\",\"channel\":\"c\",\"messageId\":-3}"));
        assertEquals(new Ack("c", "123456789012345678901234567890", false),
                classify("{\"type\":\"subscribed\",\"channel\":\"c\",\"messageId\":123456789012345678901234567890}"),
                "an id is text: any whole number, as written");
    }

    @Test
    void ackWithoutChannelOrMessageIdIsOther() {
        assertSame(Other.INSTANCE, classify("{\"type\":\"subscribed\",\"messageId\":\"m1\",\"recovered\":true}"));
        assertSame(Other.INSTANCE, classify("{\"type\":\"subscribed\",\"channel\":\"c\",\"recovered\":true}"));
        assertSame(Other.INSTANCE, classify("{\"type\":\"subscribed\",\"channel\":null,\"messageId\":\"m1\"}"));
        assertSame(Other.INSTANCE, classify("{\"type\":\"subscribed\",\"channel\":7,\"messageId\":\"m1\"}"));
        assertSame(Other.INSTANCE, classify("{\"type\":\"subscribed\",\"channel\":\"c\",\"messageId\":true}"));
        assertSame(Other.INSTANCE, classify("{\"type\":\"subscribed\",\"channel\":\"c\",\"messageId\":1.5}"));
        assertSame(Other.INSTANCE, classify("{\"type\":\"subscribed\",\"channel\":\"c\",\"messageId\":null}"));
    }

    @Test
    void ackChannelIsUnescaped() {
        assertEquals(new Ack("a\"b\\c/é\uD83D\uDE00", "m\n1", true), classify("{\"type\":\"subscribed\","
                + "\"channel\":\"a\\\"b\\\\c\\/\\u00e9\\ud83d\\ude00\",\"messageId\":\"m\\n1\",\"recovered\":true}"));
    }

    // ================================================================================================ data

    @Test
    void dataPayloadIsTheExactTextTheServerWrote() {
        assertEquals(new Data("c", 42, "{\"n\":42}"), classify(data("c", 42, "{\"n\":42}")));
        assertEquals(new Data("c", 1, "{ \"a\" : [ 1 , 2.50 , \"x\\u0041\" ] ,\n\t\"b\" : { } }"),
                classify(data("c", 1, "{ \"a\" : [ 1 , 2.50 , \"x\\u0041\" ] ,\n\t\"b\" : { } }")),
                "whitespace, number spelling and escapes inside the payload are kept");
        assertEquals(new Data("c", 1, "[1, [2, {\"x\": []}], \"]\"]"), classify(data("c", 1, "[1, [2, {\"x\": []}], \"]\"]")));
        assertEquals(new Data("c", 1, "[]"), classify(data("c", 1, "[]")));
        assertEquals(new Data("c", 1, "{}"), classify(data("c", 1, "{}")));
        assertEquals(new Data("c", 1, "\"text with \\\"quotes\\\", \\\\, \\u00e9 and }]\""),
                classify(data("c", 1, "\"text with \\\"quotes\\\", \\\\, \\u00e9 and }]\"")),
                "a string payload keeps its quotes and escapes: it is JSON text");
        assertEquals(new Data("c", 1, "\"\""), classify(data("c", 1, "\"\"")));
        assertEquals(new Data("c", 1, "-12.50e+3"), classify(data("c", 1, "-12.50e+3")));
        assertEquals(new Data("c", 1, "0"), classify(data("c", 1, "0")));
        assertEquals(new Data("c", 1, "123456789012345678901234567890"),
                classify(data("c", 1, "123456789012345678901234567890")));
        assertEquals(new Data("c", 1, "true"), classify(data("c", 1, "true")));
        assertEquals(new Data("c", 1, "false"), classify(data("c", 1, "false")));
        assertEquals(new Data("c", 1, "null"), classify(data("c", 1, "null")));
    }

    @Test
    void dataPayloadWithoutItsSurroundingWhitespace() {
        assertEquals(new Data("c", 7, "{ \"n\" : 7 }"),
                classify("{ \"type\" : \"data\" , \"channel\" : \"c\" , \"seq\" : 7 , \"payload\" :  { \"n\" : 7 }  }"));
        assertEquals(new Data("c", 7, "42"), classify("{\"type\":\"data\",\"channel\":\"c\",\"seq\":7,\"payload\": 42 }"));
        assertEquals(new Data("c", 7, "42"), classify("{\"type\":\"data\",\"channel\":\"c\",\"seq\":7,\"payload\":42\n}"));
        assertEquals(new Data("c", 7, "true"), classify("{\"type\":\"data\",\"channel\":\"c\",\"seq\":7,\"payload\":\ttrue\t}"));
        assertEquals(new Data("c", 7, "null"), classify("{\"type\":\"data\",\"channel\":\"c\",\"seq\":7,\"payload\":\r\nnull }"));
        assertEquals(new Data("c", 7, "\"s\""), classify("{\"type\":\"data\",\"channel\":\"c\",\"seq\":7,\"payload\":  \"s\"  }"));
        assertEquals(new Data("c", 7, "[ ]"), classify("{\"type\":\"data\",\"channel\":\"c\",\"seq\":7,\"payload\": [ ] }"));
    }

    @Test
    void dataPayloadInTheMiddleOrFirst() {
        assertEquals(new Data("c", 3, "[1,2]"),
                classify("{\"payload\":[1,2],\"type\":\"data\",\"channel\":\"c\",\"seq\":3}"));
        assertEquals(new Data("c", 3, "5"), classify("{\"type\":\"data\",\"payload\":5,\"channel\":\"c\",\"seq\":3}"));
        assertEquals(new Data("c", 3, "\"x\""), classify("{\"type\":\"data\",\"payload\":\"x\",\"channel\":\"c\",\"seq\":3}"));
        assertEquals(new Data("c", 3, "true"), classify("{\"type\":\"data\",\"payload\":true,\"seq\":3,\"channel\":\"c\"}"));
        assertEquals(new Data("c", 3, "null"), classify("{\"payload\":null,\"type\":\"data\",\"channel\":\"c\",\"seq\":3}"));
        assertEquals(new Data("c", 3, "-0.5"), classify("{\"payload\":-0.5,\"type\":\"data\",\"channel\":\"c\",\"seq\":3}"));
    }

    @Test
    void dataWithoutPayloadHasTheJsonNull() {
        assertEquals(new Data("c", 9, "null"), classify("{\"type\":\"data\",\"channel\":\"c\",\"seq\":9}"));
    }

    @Test
    void dataSeqMustBeAWholeNumberThatFitsALong() {
        assertEquals(new Data("c", Long.MAX_VALUE, "1"), classify(data("c", Long.MAX_VALUE, "1")));
        assertEquals(new Data("c", 0, "1"), classify(data("c", 0, "1")));
        assertSame(Other.INSTANCE, classify("{\"type\":\"data\",\"channel\":\"c\",\"seq\":9223372036854775808,"
                + "\"payload\":1}"), "one past Long.MAX_VALUE");
        assertSame(Other.INSTANCE, classify("{\"type\":\"data\",\"channel\":\"c\",\"seq\":123456789012345678901234567890,"
                + "\"payload\":1}"));
        assertSame(Other.INSTANCE, classify("{\"type\":\"data\",\"channel\":\"c\",\"seq\":-9223372036854775809,"
                + "\"payload\":1}"));
        assertSame(Other.INSTANCE, classify("{\"type\":\"data\",\"channel\":\"c\",\"seq\":1.5,\"payload\":1}"));
        assertSame(Other.INSTANCE, classify("{\"type\":\"data\",\"channel\":\"c\",\"seq\":2.0,\"payload\":1}"),
                "2.0 is a fraction in JSON's grammar");
        assertSame(Other.INSTANCE, classify("{\"type\":\"data\",\"channel\":\"c\",\"seq\":1e3,\"payload\":1}"));
        assertSame(Other.INSTANCE, classify("{\"type\":\"data\",\"channel\":\"c\",\"seq\":\"42\",\"payload\":1}"));
        assertSame(Other.INSTANCE, classify("{\"type\":\"data\",\"channel\":\"c\",\"seq\":null,\"payload\":1}"));
        assertSame(Other.INSTANCE, classify("{\"type\":\"data\",\"channel\":\"c\",\"seq\":true,\"payload\":1}"));
        assertSame(Other.INSTANCE, classify("{\"type\":\"data\",\"channel\":\"c\",\"payload\":1}"), "no seq");
        assertSame(Other.INSTANCE, classify("{\"type\":\"data\",\"channel\":\"c\",\"seq\":[1],\"payload\":1}"));
        assertSame(Other.INSTANCE, classify("{\"type\":\"data\",\"channel\":\"c\",\"seq\":{\"v\":1},\"payload\":1}"));
    }

    @Test
    void aLaterSeqReplacesAnEarlierOne() {
        // duplicate names: the last one counts, as in most JSON readers; a bad last one makes the message Other
        assertEquals(new Data("c", 2, "1"), classify("{\"type\":\"data\",\"channel\":\"c\",\"seq\":1,\"seq\":2,\"payload\":1}"));
        assertSame(Other.INSTANCE, classify("{\"type\":\"data\",\"channel\":\"c\",\"seq\":1,\"seq\":1.5,\"payload\":1}"));
    }

    @Test
    void dataWithoutAStringChannelIsOther() {
        assertSame(Other.INSTANCE, classify("{\"type\":\"data\",\"seq\":1,\"payload\":1}"));
        assertSame(Other.INSTANCE, classify("{\"type\":\"data\",\"channel\":null,\"seq\":1,\"payload\":1}"));
        assertSame(Other.INSTANCE, classify("{\"type\":\"data\",\"channel\":3,\"seq\":1,\"payload\":1}"));
        assertSame(Other.INSTANCE, classify("{\"type\":\"data\",\"channel\":[\"c\"],\"seq\":1,\"payload\":1}"));
    }

    // ================================================================================================ refusals

    @Test
    void errorWithAStringOrNumberMessageId() {
        assertEquals(new Refusal("m1", "{\"reason\":\"forbidden\"}"),
                classify("{\"type\":\"error\",\"messageId\":\"m1\",\"payload\":{\"reason\":\"forbidden\"}}"));
        assertEquals(new Refusal("42", "\"no such channel\""),
                classify("{\"type\":\"error\",\"messageId\":42,\"payload\":\"no such channel\"}"));
        assertEquals(new Refusal("m1", "{ \"code\" : 403 }"),
                classify("{\"payload\":{ \"code\" : 403 },\"messageId\":\"m1\",\"type\":\"error\"}"));
        assertEquals(new Refusal("m1", null), classify("{\"type\":\"error\",\"messageId\":\"m1\"}"),
                "no payload: no error text");
        assertEquals(new Refusal("m1", "null"), classify("{\"type\":\"error\",\"messageId\":\"m1\",\"payload\":null}"),
                "an explicit null is JSON text");
        assertEquals(new Refusal("m1", "[\"a\",\"b\"]"),
                classify("{\"type\":\"error\",\"channel\":\"c\",\"messageId\":\"m1\",\"payload\":[\"a\",\"b\"]}"));
    }

    @Test
    void errorWithoutAMessageIdIsOther() {
        assertSame(Other.INSTANCE, classify("{\"type\":\"error\",\"payload\":{\"reason\":\"forbidden\"}}"));
        assertSame(Other.INSTANCE, classify("{\"type\":\"error\",\"messageId\":null,\"payload\":1}"));
        assertSame(Other.INSTANCE, classify("{\"type\":\"error\",\"messageId\":{\"id\":\"m1\"},\"payload\":1}"));
    }

    // ================================================================================================ field order

    @Test
    void fieldsInAnyOrder() {
        List<String> fields = List.of("\"type\":\"data\"", "\"channel\":\"c\"", "\"seq\":5", "\"payload\":{\"n\":[5]}",
                "\"extra\":{\"seq\":6}");
        List<String> order = new ArrayList<>(fields);
        int permutations = 0;
        for (List<String> p : permutations(order)) {
            permutations++;
            String text = "{" + String.join(",", p) + "}";
            assertEquals(new Data("c", 5, "{\"n\":[5]}"), classify(text), text);
        }
        assertEquals(120, permutations);

        List<String> ack = List.of("\"type\":\"subscribed\"", "\"channel\":\"c\"", "\"messageId\":\"m\"",
                "\"recovered\":true");
        for (List<String> p : permutations(new ArrayList<>(ack))) {
            String text = "{" + String.join(",", p) + "}";
            assertEquals(new Ack("c", "m", true), classify(text), text);
        }
        List<String> error = List.of("\"type\":\"error\"", "\"messageId\":9", "\"payload\":[\"x\"]");
        for (List<String> p : permutations(new ArrayList<>(error))) {
            String text = "{" + String.join(",", p) + "}";
            assertEquals(new Refusal("9", "[\"x\"]"), classify(text), text);
        }
    }

    private static List<List<String>> permutations(List<String> items) {
        if (items.size() <= 1) {
            return List.of(List.copyOf(items));
        }
        List<List<String>> out = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
            List<String> rest = new ArrayList<>(items);
            String head = rest.remove(i);
            for (List<String> tail : permutations(rest)) {
                List<String> p = new ArrayList<>();
                p.add(head);
                p.addAll(tail);
                out.add(p);
            }
        }
        return out;
    }

    // ================================================================================================ unknown fields

    @Test
    void unknownFieldsAreIgnoredWhateverTheyHold() {
        assertEquals(new Data("c", 3, "1"), classify("{\"id\":1,\"ts\":1.5e9,\"ok\":true,\"nil\":null,\"s\":\"}{\","
                + "\"arr\":[1,[2,[3]],{\"type\":\"error\"}],\"type\":\"data\",\"channel\":\"c\",\"seq\":3,\"payload\":1,"
                + "\"after\":{\"deep\":{\"deeper\":[{}]}}}"));
    }

    @Test
    void nestedObjectsWithTheSameFieldNamesAreNotTheMessage() {
        // unknown fields holding what looks like another message
        assertEquals(new Data("c", 3, "1"), classify("{\"meta\":{\"type\":\"subscribed\",\"channel\":\"x\","
                + "\"messageId\":\"m\",\"seq\":99},\"type\":\"data\",\"channel\":\"c\",\"seq\":3,\"payload\":1}"));
        assertEquals(new Data("c", 3, "1"), classify("{\"type\":\"data\",\"channel\":\"c\",\"seq\":3,\"payload\":1,"
                + "\"meta\":{\"type\":\"error\",\"channel\":\"x\",\"seq\":99,\"payload\":2}}"));
        assertEquals(new Data("c", 3, "1"), classify("{\"type\":\"data\",\"list\":[{\"seq\":99,\"channel\":\"x\"}],"
                + "\"channel\":\"c\",\"seq\":3,\"payload\":1}"));
        // a payload holding the same names
        assertEquals(new Data("c", 3, "{\"type\":\"subscribed\",\"channel\":\"x\",\"seq\":99,\"payload\":{\"seq\":1}}"),
                classify(data("c", 3, "{\"type\":\"subscribed\",\"channel\":\"x\",\"seq\":99,\"payload\":{\"seq\":1}}")));
        // a field with nested "type" only: no type at the top
        assertSame(Other.INSTANCE, classify("{\"inner\":{\"type\":\"data\",\"channel\":\"c\",\"seq\":3}}"));
        assertSame(Other.INSTANCE, classify("{\"payload\":{\"type\":\"data\",\"channel\":\"c\",\"seq\":3}}"));
    }

    @Test
    void aKnownFieldWithAnObjectOrArrayValueIsSkippedWhole() {
        // the object under "channel" must not be read as the message's own fields
        assertSame(Other.INSTANCE, classify("{\"type\":\"data\",\"channel\":{\"type\":\"subscribed\",\"channel\":\"x\","
                + "\"messageId\":\"m\"}}"));
        assertSame(Other.INSTANCE, classify("{\"type\":{\"type\":\"subscribed\",\"channel\":\"x\",\"messageId\":\"m\"}}"));
        assertSame(Other.INSTANCE, classify("{\"type\":\"subscribed\",\"channel\":\"c\",\"messageId\":{\"messageId\":\"m\"}}"));
        assertSame(Other.INSTANCE, classify("{\"type\":\"data\",\"channel\":\"c\",\"seq\":{\"seq\":5},\"payload\":1}"));
        // and what follows it is still read
        assertEquals(new Ack("c", "m", false), classify("{\"type\":\"subscribed\",\"channel\":\"c\",\"messageId\":\"m\","
                + "\"recovered\":{\"recovered\":true}}"));
        assertEquals(new Ack("c", "m", false), classify("{\"type\":\"subscribed\",\"recovered\":[true],\"channel\":\"c\","
                + "\"messageId\":\"m\"}"));
        assertEquals(new Ack("c", "m", true), classify("{\"channel\":[\"x\"],\"type\":\"subscribed\",\"channel\":\"c\","
                + "\"messageId\":\"m\",\"recovered\":true}"));
        assertEquals(new Data("c", 4, "2"), classify("{\"type\":[\"error\"],\"seq\":{\"a\":[1]},\"type\":\"data\","
                + "\"channel\":\"c\",\"seq\":4,\"payload\":2}"));
    }

    // ================================================================================================ the rest

    @ParameterizedTest
    @ValueSource(strings = {
        "{\"type\":\"ping\",\"messageId\":\"m1\"}",
        "{\"type\":\"pong\",\"messageId\":\"m1\"}",
        "{\"type\":\"server:shutdown\"}",
        "{\"type\":\"DATA\",\"channel\":\"c\",\"seq\":1,\"payload\":1}",
        "{\"type\":\"subscribe\",\"channel\":\"c\",\"messageId\":\"m1\"}",
        "{\"type\":\"unsubscribe\",\"channel\":\"c\",\"messageId\":\"m1\"}",
        "{\"type\":null,\"channel\":\"c\",\"seq\":1}",
        "{\"type\":1,\"channel\":\"c\",\"seq\":1}",
        "{\"channel\":\"c\",\"seq\":1,\"payload\":1}",
        "{\"channel\":\"c\",\"messageId\":\"m1\",\"recovered\":true}",
        "{}",
        " { } ",
    })
    void otherTypesAndMissingTypeAreOther(String text) {
        assertSame(Other.INSTANCE, classify(text));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "",
        " ",
        "\n\t ",
        "[]",
        "[{\"type\":\"data\",\"channel\":\"c\",\"seq\":1,\"payload\":1}]",
        " [ {\"type\":\"subscribed\",\"channel\":\"c\",\"messageId\":\"m\"} ]",
        "\"{\\\"type\\\":\\\"data\\\"}\"",
        "42",
        "-1",
        "null",
        "true",
        "hello",
        "ping",
        "data",
    })
    void nonObjectsAreOther(String text) {
        assertSame(Other.INSTANCE, classify(text));
        assertSame(Other.INSTANCE, classifyBinary(text.getBytes(UTF_8)));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "{",
        "{\"type\"",
        "{\"type\":",
        "{\"type\":\"data\"",
        "{\"type\":\"data\",",
        "{\"type\":\"data\",}",
        "{\"type\":\"data\",\"channel\":\"c\",\"seq\":1,\"payload\":{\"n\":1}",
        "{\"type\":\"data\",\"channel\":\"c\",\"seq\":1,\"payload\":{\"n\":1",
        "{\"type\":\"data\",\"channel\":\"c\",\"seq\":1,\"payload\":\"unterminated}",
        "{\"type\":\"data\",\"channel\":\"c\",\"seq\":1,\"payload\":[1,2}",
        "{\"type\":\"data\",\"channel\":\"c\",\"seq\":1,\"payload\":tru}",
        "{\"type\":\"data\",\"channel\":\"c\",\"seq\":1,\"payload\":nul}",
        "{\"type\":\"data\",\"channel\":\"c\",\"seq\":01,\"payload\":1}",
        "{\"type\":\"data\",\"channel\":\"c\",\"seq\":1,\"payload\":1,}",
        "{\"type\":\"data\",\"channel\":\"c\",\"seq\":1,\"payload\":1]",
        "{\"type\":\"data\" \"channel\":\"c\",\"seq\":1,\"payload\":1}",
        "{'type':'data','channel':'c','seq':1,'payload':1}",
        "{type:\"data\",channel:\"c\",seq:1,payload:1}",
        "{\"type\":\"data\",\"channel\":\"c\",\"seq\":1,\"payload\":NaN}",
        "{\"type\":\"data\",\"channel\":\"c\",\"seq\":1,\"payload\":1} // comment",
        "{\"type\":\"data\",\"channel\":\"c\",\"seq\":1,\"payload\":1}}",
        "{\"type\":\"data\",\"channel\":\"c\",\"seq\":1,\"payload\":1} trailing",
        "{\"type\":\"data\",\"channel\":\"c\",\"seq\":1,\"payload\":1}{\"type\":\"data\",\"channel\":\"c\",\"seq\":2}",
        "{\"type\":\"data\",\"channel\":\"c\",\"seq\":1,\"payload\":1},",
        "{\"type\":\"subscribed\",\"channel\":\"c\",\"messageId\":\"m\"} x",
        "{\"type\":\"error\",\"messageId\":\"m\"}]",
        "{\"type\":\"da\nta\",\"channel\":\"c\",\"seq\":1}",
        "{\"type\":\"data\",\"channel\":\"c\\q\",\"seq\":1,\"payload\":1}",
    })
    void malformedOrTruncatedJsonIsOther(String text) {
        assertSame(Other.INSTANCE, classify(text), text);
        assertSame(Other.INSTANCE, classifyBinary(text.getBytes(UTF_8)), text);
    }

    @Test
    void whitespaceAroundTheObjectIsFine() {
        assertEquals(new Data("c", 1, "1"), classify(" \r\n\t" + data("c", 1, "1") + " \r\n\t"));
        assertEquals(new Ack("c", "m", true),
                classify("\n{\"type\":\"subscribed\",\"channel\":\"c\",\"messageId\":\"m\",\"recovered\":true}\n"));
    }

    @Test
    void everyTruncationOfAValidMessageIsOtherAndNeverThrows() {
        List<String> messages = List.of(
                data("c", 12, "{\"a\":[1,2,{\"b\":\"x\\\"y\"}],\"c\":-1.5e-3,\"d\":null}"),
                data("c", 12, "\"a string \\u00e9\""),
                data("c", 12, "12345"),
                "{\"type\":\"subscribed\",\"channel\":\"c\",\"messageId\":\"m1\",\"recovered\":true}",
                "{\"type\":\"error\",\"messageId\":7,\"payload\":{\"reason\":\"forbidden\"}}");
        for (String full : messages) {
            assertNotEquals(Other.INSTANCE, classify(full), full);
            for (int i = 0; i < full.length(); i++) {
                String prefix = full.substring(0, i);
                assertSame(Other.INSTANCE, classify(prefix), prefix);
                byte[] bytes = prefix.getBytes(UTF_8);
                assertSame(Other.INSTANCE, classifyBinary(bytes), prefix);
            }
        }
    }

    @Test
    void randomGarbageNeverThrows() {
        Random random = new Random(18);
        String alphabet = "{}[]\":,\\ntrufalsey0123456789.-+eE \t\u00e9\uD83D";
        String base = data("c", 3, "{\"a\":[1,\"b\"]}");
        for (int i = 0; i < 5_000; i++) {
            StringBuilder b = new StringBuilder(base);
            int edits = 1 + random.nextInt(4);
            for (int e = 0; e < edits; e++) {
                int at = random.nextInt(b.length() + 1);
                switch (random.nextInt(3)) {
                    case 0 -> b.insert(at, alphabet.charAt(random.nextInt(alphabet.length())));
                    case 1 -> {
                        if (at < b.length()) {
                            b.deleteCharAt(at);
                        }
                    }
                    default -> {
                        if (at < b.length()) {
                            b.setCharAt(at, alphabet.charAt(random.nextInt(alphabet.length())));
                        }
                    }
                }
            }
            String text = b.toString();
            Inbound in = classify(text);
            assertNotNull(in, text);
            if (in instanceof Data d) {
                assertTrue(java.util.regex.Pattern.compile("\"seq\"\\s*:\\s*" + d.position() + "\\b").matcher(text)
                        .find(), text);                                       // a position the text holds
                assertTrue(text.contains(d.payload()) || d.payload().equals("null"), text); // a payload it holds
            }
            byte[] bytes = new byte[1 + random.nextInt(64)];
            random.nextBytes(bytes);
            bytes[0] = '{';
            assertNotNull(classifyBinary(bytes));
        }
    }

    // ================================================================================================ binary and size

    @Test
    void binaryMessagesAreReadAsUtf8() {
        String text = "{\"type\":\"data\",\"channel\":\"prix/€/日本\",\"seq\":8,\"payload\":{\"s\":\"é\uD83D\uDE00\"}}";
        assertEquals(new Data("prix/€/日本", 8, "{\"s\":\"é\uD83D\uDE00\"}"), classifyBinary(text.getBytes(UTF_8)));
        assertEquals(new Ack("c", "m", true), classifyBinary(
                "{\"type\":\"subscribed\",\"channel\":\"c\",\"messageId\":\"m\",\"recovered\":true}".getBytes(UTF_8)));
        assertEquals(new Refusal("m", "\"nope\""),
                classifyBinary("{\"type\":\"error\",\"messageId\":\"m\",\"payload\":\"nope\"}".getBytes(UTF_8)));
        assertSame(Other.INSTANCE, classifyBinary(new byte[0]));
        assertSame(Other.INSTANCE, classifyBinary(new byte[] {(byte) 0xff, (byte) 0xfe, 0, 1}));
        // a buffer whose position is not zero: only the remaining bytes are the message
        byte[] framed = ("xxxx" + data("c", 1, "2")).getBytes(UTF_8);
        ByteBuffer buffer = ByteBuffer.wrap(framed);
        buffer.position(4);
        assertEquals(new Data("c", 1, "2"), JSON.classify(InboundMessage.binary("c-1", ENDPOINT, buffer)));
    }

    @Test
    void largeMessagesKeepTheExactPayloadWhereverItFalls() {
        // past 32k chars the parser reads in chunks: the payload's start and end may fall on any chunk boundary
        String[] payloads = {"12345", "\"s\\\"t\"", "true", "null", "{\"n\":[1, 2]}", "-1.5e7"};
        for (String payload : payloads) {
            for (int pad = 33_000; pad < 33_000 + 4_100; pad++) {
                String text = "{\"type\":\"data\",\"channel\":\"c\",\"seq\":1,\"pad\":\"" + "x".repeat(pad)
                        + "\",\"payload\":" + payload + "}";
                Inbound in = classify(text);
                if (!new Data("c", 1, payload).equals(in)) {
                    assertEquals(new Data("c", 1, payload), in, "pad " + pad);
                }
            }
        }
        String big = "[" + "1234567890,".repeat(20_000) + "0]";
        assertEquals(new Data("c", 2, big), classify(data("c", 2, big)));
        assertEquals(new Data("c", 2, big), classifyBinary(data("c", 2, big).getBytes(UTF_8)));
    }

    // ================================================================================================ session store

    @Test
    void inMemoryStoreLoadsWhatWasSaved() {
        SessionStore store = SessionStores.inMemory();
        assertEquals(OptionalLong.empty(), store.load("p", "c"));
        store.save("p", "c", 5);
        assertEquals(OptionalLong.of(5), store.load("p", "c"));
        store.save("p", "c", 0);
        assertEquals(OptionalLong.of(5), store.load("p", "c"), "a lower position does not move it back");
        store.save("p", "c", 5);
        assertEquals(OptionalLong.of(5), store.load("p", "c"));
        store.save("p", "c", 7);
        assertEquals(OptionalLong.of(7), store.load("p", "c"));
        store.save("p", "d", 0);
        assertEquals(OptionalLong.of(0), store.load("p", "d"), "position 0 is stored, not 'none'");
        store.save("p", "e", Long.MAX_VALUE);
        assertEquals(OptionalLong.of(Long.MAX_VALUE), store.load("p", "e"));
    }

    @Test
    void inMemoryStoreRemoveForgetsOneChannelOfOnePool() {
        SessionStore store = SessionStores.inMemory();
        store.save("p", "c", 5);
        store.save("p", "d", 6);
        store.save("q", "c", 7);
        store.remove("p", "c");
        assertEquals(OptionalLong.empty(), store.load("p", "c"));
        assertEquals(OptionalLong.of(6), store.load("p", "d"));
        assertEquals(OptionalLong.of(7), store.load("q", "c"));
        store.remove("p", "c"); // again: nothing
        store.remove("nobody", "nothing");
        store.save("p", "c", 2);
        assertEquals(OptionalLong.of(2), store.load("p", "c"), "after a remove, the max starts over");
    }

    @Test
    void inMemoryStoreIsScopedByPool() {
        SessionStore store = SessionStores.inMemory();
        store.save("a", "c", 10);
        store.save("b", "c", 3);
        assertEquals(OptionalLong.of(10), store.load("a", "c"));
        assertEquals(OptionalLong.of(3), store.load("b", "c"));
        assertEquals(OptionalLong.empty(), store.load("", "c"));
        // the key is the pair, not a concatenation of its parts
        store.save("x:y", "z", 1);
        store.save("x", "y:z", 2);
        store.save("xy", "z", 3);
        store.save("x", "yz", 4);
        assertEquals(OptionalLong.of(1), store.load("x:y", "z"));
        assertEquals(OptionalLong.of(2), store.load("x", "y:z"));
        assertEquals(OptionalLong.of(3), store.load("xy", "z"));
        assertEquals(OptionalLong.of(4), store.load("x", "yz"));
    }

    @Test
    void eachInMemoryStoreIsItsOwn() {
        SessionStore one = SessionStores.inMemory();
        SessionStore two = SessionStores.inMemory();
        one.save("p", "c", 1);
        assertEquals(OptionalLong.empty(), two.load("p", "c"));
        assertTrue(one.toString().contains("1 channels"), one.toString());
    }

    @Test
    void inMemoryStoreRefusesNullPoolOrChannelOnSave() {
        SessionStore store = SessionStores.inMemory();
        assertThrows(NullPointerException.class, () -> store.save(null, "c", 1));
        assertThrows(NullPointerException.class, () -> store.save("p", null, 1));
    }

    @Test
    void concurrentSavesKeepTheMaximum() throws Exception {
        SessionStore store = SessionStores.inMemory();
        List<Long> positions = new ArrayList<>();
        for (long p = 0; p < 20_000; p++) {
            positions.add(p);
        }
        Collections.shuffle(positions, new Random(1));
        ExecutorService threads = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                List<Long> mine = positions.subList(t * 5_000, (t + 1) * 5_000);
                done.add(threads.submit(() -> mine.forEach(p -> store.save("p", "c", p))));
            }
            for (Future<?> f : done) {
                f.get(30, TimeUnit.SECONDS);
            }
        } finally {
            threads.shutdownNow();
        }
        assertEquals(OptionalLong.of(19_999), store.load("p", "c"));
    }
}
