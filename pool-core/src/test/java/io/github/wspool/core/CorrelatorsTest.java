package io.github.wspool.core;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.wspool.MessageCorrelator;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class CorrelatorsTest {

    private static final String SIMPLE = "{\"type\":\"subscribe\",\"messageId\":\"42\"}";

    private static String id(String text) {
        return Correlators.messageId().correlationId(text);
    }

    private static String id(byte[] bytes) {
        return Correlators.messageId().correlationId(ByteBuffer.wrap(bytes));
    }

    // ---- basics ---------------------------------------------------------------------------------------------

    @Test
    void simpleMessage() {
        assertEquals("42", id(SIMPLE));
        assertEquals("42", id("{\"messageId\":\"42\"}"));
        assertEquals("42", id("{\"messageId\":\"42\",\"type\":\"subscribe\"}"));
        assertEquals("", id("{\"messageId\":\"\"}"));
    }

    @Test
    void messageIdIsTheSameAsJsonFieldMessageId() {
        MessageCorrelator explicit = Correlators.jsonField("messageId");
        assertEquals("42", explicit.correlationId(SIMPLE));
        assertNull(explicit.correlationId("{\"id\":\"42\"}"));
    }

    @Test
    void whitespaceAroundEveryToken() {
        assertEquals("42", id(" \t\r\n{ \n \"type\" :\t\"subscribe\" ,\r\n \"messageId\"\n:\n \"42\" \n}\n "));
        assertEquals("42", id("{\n  \"a\" : [ 1 , { \"b\" : null } , [ ] ] ,\n  \"messageId\" : \"42\"\n}"));
        assertEquals("17", id("{ \"messageId\" :\r\n\t17\r\n}"));
        assertEquals(" 4 2 ", id("{\"messageId\":\" 4 2 \"}"), "whitespace inside the string is kept");
    }

    // ---- nesting ---------------------------------------------------------------------------------------------

    @Test
    void fieldAfterNestedValuesWithTrickyStrings() {
        String msg = "{\"meta\":{\"a\":\"}{][\\\"x\\\",:\",\"b\":[1,{\"c\":\"]\"},[],{},\"\\\\\"],"
                + "\"d\":{\"e\":{\"f\":[[\"{\"]]}}},"
                + "\"list\":[\"a,b\",\"\\\"}\",{\"k\":\"v\"},-1.5e3,true,false,null],"
                + "\"empty\":{},\"emptyArr\":[],"
                + "\"messageId\":\"42\"}";
        assertEquals("42", id(msg));
    }

    @Test
    void topLevelFieldWinsOverNestedOneBeforeIt() {
        assertEquals("outer", id("{\"payload\":{\"messageId\":\"inner\"},\"messageId\":\"outer\"}"));
        assertEquals("outer", id("{\"arr\":[{\"messageId\":\"inner\"}],\"messageId\":\"outer\"}"));
        assertEquals("outer", id("{\"a\":{\"b\":{\"messageId\":\"deep\"},\"messageId\":\"mid\"},\"messageId\":\"outer\"}"));
        assertEquals("outer", id("{\"payload\":{\"messageId\":17},\"messageId\":\"outer\"}"));
    }

    @Test
    void nestedFieldAloneGivesNull() {
        assertNull(id("{\"payload\":{\"messageId\":\"inner\"}}"));
        assertNull(id("{\"arr\":[{\"messageId\":\"inner\"}]}"));
        assertNull(id("{\"a\":{\"b\":{\"messageId\":\"deep\"}},\"type\":\"x\"}"));
        assertNull(id("[{\"messageId\":\"42\"}]"));
    }

    @Test
    void fieldNameInsideStringValuesIsNotAField() {
        assertEquals("42", id("{\"note\":\"messageId\",\"messageId\":\"42\"}"));
        assertEquals("42", id("{\"note\":\"\\\"messageId\\\":\\\"7\\\"\",\"messageId\":\"42\"}"));
        assertNull(id("{\"note\":\"\\\"messageId\\\":\\\"7\\\"\"}"));
        assertNull(id("{\"note\":\"{\\\"messageId\\\":\\\"7\\\"}\",\"other\":1}"));
    }

    // ---- keys ------------------------------------------------------------------------------------------------

    @Test
    void escapedKeyNamesAreDecodedBeforeComparing() {
        assertEquals("42", id("{\"message\\u0049d\":\"42\"}"));
        assertEquals("42", id("{\"messageI\\u0064\":\"42\"}"));
        assertEquals("42", id("{\"\\u006d\\u0065ssageId\":\"42\"}"));
        assertEquals("42", id("{\"\\u006D\\u0065\\u0073\\u0073\\u0061\\u0067\\u0065\\u0049\\u0064\":\"42\"}"));
        assertEquals("42", id("{\"type\":\"x\",\"message\\u0049d\" : \"42\"}"));
    }

    @Test
    void keysThatOnlyLookSimilarDoNotMatch() {
        assertEquals("42", id("{\"message\\\"Id\":\"7\",\"messageId\":\"42\"}"));
        assertEquals("42", id("{\"messageIdx\":\"1\",\"messageI\":\"2\",\"xmessageId\":\"3\",\"messageId\":\"42\"}"));
        assertEquals("42", id("{\"MessageId\":\"1\",\"messageid\":\"2\",\"messageId\":\"42\"}"));
        assertEquals("42", id("{\"messageId\\u0000\":\"1\",\"messageId\":\"42\"}"));
        assertNull(id("{\"messageIdx\":\"1\",\"messageI\":\"2\",\"xmessageId\":\"3\",\"message Id\":\"4\"}"));
        assertNull(id("{\"\":\"1\"}"));
    }

    @Test
    void fieldNamesWithCharactersThatNeedEscaping() {
        MessageCorrelator quoted = Correlators.jsonField("a\"b");
        assertEquals("1", quoted.correlationId("{\"a\\\"b\":\"1\"}"));
        assertNull(quoted.correlationId("{\"a\":\"1\"}"));
        MessageCorrelator slash = Correlators.jsonField("a/b");
        assertEquals("2", slash.correlationId("{\"a\\/b\":\"2\"}"));
        assertEquals("2", slash.correlationId("{\"a/b\":\"2\"}"));
        MessageCorrelator accented = Correlators.jsonField("\u00e9");
        assertEquals("3", accented.correlationId("{\"\\u00e9\":\"3\"}"));
        assertEquals("3", accented.correlationId("{\"\u00e9\":\"3\"}"));
        assertNull(accented.correlationId("{\"e\":\"3\"}"));
    }

    // ---- string values ---------------------------------------------------------------------------------------

    @Test
    void escapesInValuesAreDecoded() {
        assertEquals("a\"b", id("{\"messageId\":\"a\\\"b\"}"));
        assertEquals("a\\b", id("{\"messageId\":\"a\\\\b\"}"));
        assertEquals("a/b", id("{\"messageId\":\"a\\/b\"}"));
        assertEquals("a\nb", id("{\"messageId\":\"a\\nb\"}"));
        assertEquals("caf\u00e9", id("{\"messageId\":\"caf\\u00e9\"}"));
        assertEquals("caf\u00e9", id("{\"messageId\":\"caf\\u00E9\"}"));
        assertEquals("\b\f\n\r\t", id("{\"messageId\":\"\\b\\f\\n\\r\\t\"}"));
        assertEquals("\ud83d\ude00", id("{\"messageId\":\"\\ud83d\\ude00\"}"));
        assertEquals("\"\\/\n\u00e9", id("{\"messageId\":\"\\\"\\\\\\/\\n\\u00e9\"}"));
        assertEquals("x\"}],{y", id("{\"messageId\":\"x\\\"}],{y\"}"));
        assertEquals("\\", id("{\"messageId\":\"\\\\\"}"));
    }

    @Test
    void rawNonAsciiValuesAreKept() {
        assertEquals("caf\u00e9 \u65e5\u672c \ud83d\ude00", id("{\"messageId\":\"caf\u00e9 \u65e5\u672c \ud83d\ude00\"}"));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "{\"messageId\":\"a\\qb\"}",      // unknown escape
        "{\"messageId\":\"a\\u12\"}",     // \\u cut short by the closing quote
        "{\"messageId\":\"a\\u12",        // \\u cut short by the end
        "{\"messageId\":\"a\\u12G4\"}",   // not hex
        "{\"messageId\":\"a\\u+041\"}",   // sign is not a hex digit
        "{\"messageId\":\"a\\u-041\"}",
        "{\"messageId\":\"a\\u\uff10\uff10\uff14\uff11\"}", // fullwidth digits are not hex digits
        "{\"messageId\":\"a\\",           // lone backslash at the end
        "{\"messageId\":\"4\n2\"}",       // raw control character
        "{\"messageId\":\"4\t2\"}",
        "{\"messageId\":\"42",            // unterminated
    })
    void malformedStringValueGivesNull(String msg) {
        assertNull(id(msg), msg);
    }

    // ---- numbers and other value types -----------------------------------------------------------------------

    @Test
    void numbersAreReturnedAsWritten() {
        assertEquals("17", id("{\"messageId\": 17}"));
        assertEquals("17", id("{\"messageId\":17,\"type\":\"x\"}"));
        assertEquals("17", id("{\"messageId\":17 ,\"type\":\"x\"}"));
        assertEquals("0", id("{\"messageId\":0}"));
        assertEquals("-5", id("{\"messageId\":-5}"));
        assertEquals("-0", id("{\"messageId\":-0}"));
        assertEquals("3.25", id("{\"messageId\":3.25}"));
        assertEquals("1.5e10", id("{\"messageId\":1.5e10}"));
        assertEquals("-2.50E-3", id("{\"messageId\":-2.50E-3}"));
        assertEquals("1E+2", id("{\"messageId\":1E+2}"));
        assertEquals("12345678901234567890123", id("{\"messageId\":12345678901234567890123}"));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "{\"messageId\":-}",
        "{\"messageId\":--1}",
        "{\"messageId\":+1}",
        "{\"messageId\":1-2}",
        "{\"messageId\":1.}",
        "{\"messageId\":.5}",
        "{\"messageId\":1e}",
        "{\"messageId\":1e+}",
        "{\"messageId\":1.2.3}",
        "{\"messageId\":01}",
        "{\"messageId\":0x1F}",
        "{\"messageId\":17abc}",
        "{\"messageId\":42",              // truncated: the number may go on (420?)
        "{\"messageId\":4",
    })
    void malformedOrUnterminatedNumberGivesNull(String msg) {
        assertNull(id(msg), msg);
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "{\"messageId\":true}",
        "{\"messageId\":false}",
        "{\"messageId\":null}",
        "{\"messageId\":{\"value\":\"42\"}}",
        "{\"messageId\":[\"42\"]}",
        "{\"messageId\":[]}",
        "{\"messageId\":{}}",
        "{\"messageId\":'42'}",
        "{\"messageId\":}",
        "{\"messageId\":",
        "{\"messageId\"}",
        "{\"messageId\"",
    })
    void nonStringNonNumberValuesGiveNull(String msg) {
        assertNull(id(msg), msg);
    }

    // ---- not an object / malformed ---------------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(strings = {
        "",
        " ",
        "\n\t",
        "{}",
        "{ }",
        "{\n}",
        "not json",
        "messageId: 42",
        "\"messageId\"",
        "42",
        "null",
        "true",
        "[]",
        "[\"messageId\",\"42\"]",
        "[{\"messageId\":\"42\"}]",
        "}{\"messageId\":\"42\"}",
        "x{\"messageId\":\"42\"}",
        "{",
        "{\"",
        "{{\"messageId\":\"42\"}}",
    })
    void notAnObjectOrEmptyGivesNull(String msg) {
        assertNull(id(msg), msg);
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "{\"a\":1,,\"messageId\":\"42\"}",          // double comma
        "{,\"messageId\":\"42\"}",                   // leading comma
        "{\"a\" 1,\"messageId\":\"42\"}",           // missing colon
        "{\"a\"::1,\"messageId\":\"42\"}",          // double colon
        "{\"a\":1 \"messageId\":\"42\"}",           // missing comma
        "{a:1,\"messageId\":\"42\"}",                // unquoted key
        "{'a':1,\"messageId\":\"42\"}",              // single-quoted key
        "{\"a\":'x',\"messageId\":\"42\"}",          // single-quoted value
        "{\"a\":tru,\"messageId\":\"42\"}",          // misspelt literal
        "{\"a\":nul,\"messageId\":\"42\"}",
        "{\"a\":True,\"messageId\":\"42\"}",
        "{\"a\":undefined,\"messageId\":\"42\"}",
        "{\"a\":foo,\"messageId\":\"42\"}",
        "{\"a\":-,\"messageId\":\"42\"}",            // malformed numbers
        "{\"a\":1x,\"messageId\":\"42\"}",
        "{\"a\":1.2.3,\"messageId\":\"42\"}",
        "{\"a\":,\"messageId\":\"42\"}",             // missing value
        "{\"a\":[1,],\"messageId\":\"42\"}",         // trailing comma in an array
        "{\"a\":[,1],\"messageId\":\"42\"}",
        "{\"a\":{\"b\":1,},\"messageId\":\"42\"}",   // trailing comma in an object
        "{\"a\":{\"b\"},\"messageId\":\"42\"}",      // nested key without value
        "{\"a\":{1:2},\"messageId\":\"42\"}",        // nested non-string key
        "{\"a\":[1 2],\"messageId\":\"42\"}",        // missing comma in an array
        "{\"a\":[1,2},\"messageId\":\"42\"}",        // mismatched brackets
        "{\"a\":{\"b\":1],\"messageId\":\"42\"}",
        "{\"a\":[[1],\"messageId\":\"42\"}",         // unclosed array swallows the field
        "{\"a\":\"x\\qy\",\"messageId\":\"42\"}",    // bad escape in an earlier value
        "{\"a\":\"x\\u12\",\"messageId\":\"42\"}",
        "{\"a\":\"x\\u+041\",\"messageId\":\"42\"}",
        "{\"a\":\"x\ny\",\"messageId\":\"42\"}",     // raw control character in an earlier value
        "{\"a\ny\":1,\"messageId\":\"42\"}",         // ... in an earlier key
        "{\"a\\qy\":1,\"messageId\":\"42\"}",        // bad escape in an earlier key
        "{\"a\":\"unterminated,\"messageId\":\"42\"}",
    })
    void malformedBeforeTheFieldGivesNull(String msg) {
        assertNull(id(msg), msg);
    }

    @Test
    void wellFormedCounterpartsOfTheMalformedCasesFindTheId() {
        // Guards the malformed cases above: each differs from a message that does carry the id.
        assertEquals("42", id("{\"a\":1,\"messageId\":\"42\"}"));
        assertEquals("42", id("{\"a\":true,\"b\":null,\"c\":false,\"messageId\":\"42\"}"));
        assertEquals("42", id("{\"a\":-1.2e-3,\"messageId\":\"42\"}"));
        assertEquals("42", id("{\"a\":[1,2],\"b\":{\"c\":1},\"messageId\":\"42\"}"));
        assertEquals("42", id("{\"a\":[[1]],\"messageId\":\"42\"}"));
        assertEquals("42", id("{\"a\":\"x\\u0041y\",\"messageId\":\"42\"}"));
        assertEquals("42", id("{\"a\\ty\":1,\"messageId\":\"42\"}"));
    }

    @Test
    void malformedAfterTheFieldStillGivesTheId() {
        // The scan stops at the field: what follows is not read.
        assertEquals("42", id("{\"messageId\":\"42\""));
        assertEquals("42", id("{\"messageId\":\"42\",,,"));
        assertEquals("42", id("{\"messageId\":\"42\"} trailing"));
        assertEquals("42", id("{\"messageId\":\"42\",\"a\":tru}"));
        assertEquals("42", id("{\"messageId\":42,\"a\":[}"));
    }

    // ---- truncation ------------------------------------------------------------------------------------------

    @Test
    void everyPrefixOfTheSimpleMessage() {
        assertEveryPrefix(SIMPLE, SIMPLE.lastIndexOf('"') + 1);
    }

    @Test
    void everyPrefixOfANestedMessage() {
        String msg = "{\"meta\":{\"a\":\"}{\\\"messageId\\\":\\\"9\\\"\",\"b\":[1,-2.5e3,true,null,"
                + "{\"messageId\":\"7\"}]},\"messageId\":\"42\",\"after\":{\"x\":[1,2]}}";
        assertEveryPrefix(msg, msg.indexOf("\"42\"") + 4);
    }

    @Test
    void everyPrefixOfANumericMessage() {
        String msg = "{\"a\":[1,2],\"messageId\":42,\"b\":3}";
        // "...:42" alone may be the start of 420: the id needs the ',' after it.
        assertEveryPrefix(msg, msg.indexOf("42") + 3);
        String spaced = "{\"messageId\":42 }";
        assertEveryPrefix(spaced, spaced.indexOf("42") + 3);
    }

    private static void assertEveryPrefix(String msg, int firstComplete) {
        assertEquals("42", id(msg), "the full message");
        for (int len = 0; len <= msg.length(); len++) {
            String prefix = msg.substring(0, len);
            String got = id(prefix);
            if (len >= firstComplete) {
                assertEquals("42", got, "prefix of length " + len + ": " + prefix);
            } else {
                assertNull(got, "prefix of length " + len + ": " + prefix);
            }
            String binary = id(prefix.getBytes(UTF_8));
            assertEquals(got, binary, "binary prefix of length " + len);
        }
    }

    // ---- nesting depth ---------------------------------------------------------------------------------------

    @Test
    void deeplyNestedArraysGiveNullWithoutStackOverflow() {
        int n = 10_000;
        String open = "{\"a\":" + "[".repeat(n);
        assertNull(id(open + ",\"messageId\":\"42\"}"));
        assertNull(id(open + "]".repeat(n) + ",\"messageId\":\"42\"}"));
        assertNull(id(open + "1" + "]".repeat(n) + ",\"messageId\":\"42\"}"));
        assertNull(id("[".repeat(n) + "{\"messageId\":\"42\"}" + "]".repeat(n)));
    }

    @Test
    void deeplyNestedObjectsGiveNullWithoutStackOverflow() {
        int n = 10_000;
        String nested = "{\"a\":".repeat(n) + "1" + "}".repeat(n);
        assertNull(id("{\"x\":" + nested + ",\"messageId\":\"42\"}"));
        assertNull(id("{\"x\":" + "{\"a\":[".repeat(n) + ",\"messageId\":\"42\"}"));
    }

    @Test
    void moderateNestingIsSkipped() {
        int n = 50;
        assertEquals("42", id("{\"a\":" + "[".repeat(n) + "1" + "]".repeat(n) + ",\"messageId\":\"42\"}"));
        assertEquals("42", id("{\"a\":" + "{\"b\":".repeat(n) + "\"}\"" + "}".repeat(n) + ",\"messageId\":\"42\"}"));
        int pairs = 30; // 60 levels
        assertEquals("42", id("{\"a\":" + "[{\"b\":".repeat(pairs) + "[]" + "}]".repeat(pairs) + ",\"messageId\":\"42\"}"));
    }

    @Test
    void nestingIsBoundedAtAboutSixtyFourLevels() {
        assertEquals("42", id("{\"a\":" + "[".repeat(60) + "]".repeat(60) + ",\"messageId\":\"42\"}"));
        assertNull(id("{\"a\":" + "[".repeat(70) + "]".repeat(70) + ",\"messageId\":\"42\"}"));
    }

    // ---- duplicates and custom fields ------------------------------------------------------------------------

    @Test
    void firstOccurrenceWins() {
        assertEquals("1", id("{\"messageId\":\"1\",\"messageId\":\"2\"}"));
        assertEquals("1", id("{\"messageId\":1,\"messageId\":\"2\"}"));
        assertEquals("1", id("{\"message\\u0049d\":\"1\",\"messageId\":\"2\"}"));
        assertNull(id("{\"messageId\":null,\"messageId\":\"2\"}"), "the first occurrence gives no id");
        assertNull(id("{\"messageId\":{},\"messageId\":\"2\"}"), "the first occurrence gives no id");
    }

    @Test
    void customFieldName() {
        MessageCorrelator byId = Correlators.jsonField("id");
        assertEquals("7", byId.correlationId("{\"messageId\":\"42\",\"id\":\"7\"}"));
        assertEquals("7", byId.correlationId("{\"ids\":\"1\",\"i\":\"2\",\"xid\":\"3\",\"id\":\"7\"}"));
        assertEquals("7", byId.correlationId("{\"nested\":{\"id\":\"0\"},\"id\":7}"));
        assertNull(byId.correlationId(SIMPLE));
        assertNull(Correlators.messageId().correlationId("{\"id\":\"7\"}"));
        MessageCorrelator requestId = Correlators.jsonField("request-id");
        assertEquals("r1", requestId.correlationId("{\"request-id\":\"r1\"}"));
    }

    @Test
    void invalidFieldNames() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Correlators.jsonField(""));
        assertTrue(e.getMessage().contains("empty"), e.getMessage());
        assertThrows(NullPointerException.class, () -> Correlators.jsonField(null));
    }

    // ---- binary ----------------------------------------------------------------------------------------------

    @Test
    void binaryUtf8MessageGivesTheIdAndLeavesTheBufferAlone() {
        ByteBuffer data = ByteBuffer.wrap(SIMPLE.getBytes(UTF_8));
        int limit = data.limit();
        assertEquals("42", Correlators.messageId().correlationId(data));
        assertEquals(0, data.position());
        assertEquals(limit, data.limit());
        assertEquals("42", Correlators.messageId().correlationId(data), "a second read sees the same bytes");
    }

    @Test
    void binaryReadsFromThePositionToTheLimit() {
        byte[] bytes = ("junk" + SIMPLE + "tail").getBytes(UTF_8);
        ByteBuffer data = ByteBuffer.wrap(bytes);
        data.position(4);
        data.limit(4 + SIMPLE.length());
        assertEquals("42", Correlators.messageId().correlationId(data));
        assertEquals(4, data.position());
        assertEquals(4 + SIMPLE.length(), data.limit());

        ByteBuffer direct = ByteBuffer.allocateDirect(bytes.length);
        direct.put(bytes).flip();
        direct.position(4);
        assertEquals("42", Correlators.messageId().correlationId(direct.asReadOnlyBuffer()));
        assertEquals("42", Correlators.messageId().correlationId(direct), "trailing bytes after the field are not read");
        assertEquals(4, direct.position());
    }

    @Test
    void binaryNonAsciiIsDecoded() {
        assertEquals("caf\u00e9\ud83d\ude00", id("{\"messageId\":\"caf\u00e9\ud83d\ude00\"}".getBytes(UTF_8)));
        assertEquals("\u00e9", Correlators.jsonField("\u00e9")
                .correlationId(ByteBuffer.wrap("{\"\u00e9\":\"\u00e9\"}".getBytes(UTF_8))));
    }

    @Test
    void binaryInvalidUtf8GivesNull() {
        byte[] prefix = "{\"messageId\":\"4".getBytes(UTF_8);
        byte[] suffix = "2\"}".getBytes(UTF_8);
        byte[][] invalid = {
            {(byte) 0xC3, 0x28},                     // 2-byte lead followed by ASCII
            {(byte) 0xFF},                           // never valid
            {(byte) 0x80},                           // lone continuation byte
            {(byte) 0xC0, (byte) 0xAF},              // overlong '/'
            {(byte) 0xED, (byte) 0xA0, (byte) 0x80}, // encoded surrogate
            {(byte) 0xE2, (byte) 0x82},              // truncated 3-byte sequence
            {(byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80}, // above U+10FFFF
        };
        for (byte[] bad : invalid) {
            byte[] msg = concat(prefix, bad, suffix);
            assertNull(id(msg), "invalid bytes in the value");
            assertNull(id(concat("{\"a\":\"".getBytes(UTF_8), bad, "\",\"messageId\":\"42\"}".getBytes(UTF_8))),
                    "invalid bytes elsewhere in the message");
            assertNull(id(concat(SIMPLE.getBytes(UTF_8), bad)), "invalid bytes after the field");
            assertNull(id(bad));
        }
        byte[] valid = concat(prefix, new byte[] {(byte) 0xC3, (byte) 0xA9}, suffix); // the guard: 0xC3 0xA9 = é
        assertEquals("4\u00e92", id(valid));
    }

    @Test
    void binaryEmptyGivesNull() {
        assertNull(id(new byte[0]));
        assertNull(Correlators.messageId().correlationId(ByteBuffer.allocate(0)));
    }

    private static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        byte[] out = new byte[n];
        int at = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }

    // ---- randomized ------------------------------------------------------------------------------------------

    @Test
    void randomObjectsWithTheIdAmongOtherFields() {
        Random random = new Random(0x5EED_1DL);
        int numeric = 0;
        int nestedDecoys = 0;
        for (int n = 0; n < 1_000; n++) {
            RandomJson json = new RandomJson(random);
            String expected;
            String idJson;
            if (random.nextInt(4) == 0) {
                expected = json.number();
                idJson = expected;
                numeric++;
            } else {
                expected = json.text(random.nextInt(12));
                idJson = json.quote(expected);
            }
            List<String> members = new ArrayList<>();
            int before = random.nextInt(5);
            int after = random.nextInt(5);
            for (int k = 0; k < before + after; k++) {
                members.add(json.quote(json.otherKey()) + json.ws() + ":" + json.ws() + json.value(0));
            }
            String idKey = random.nextInt(5) == 0 ? json.quoteAllEscaped("messageId") : json.quote("messageId");
            members.add(before, idKey + json.ws() + ":" + json.ws() + idJson);
            StringBuilder msg = new StringBuilder(json.ws()).append('{');
            for (int k = 0; k < members.size(); k++) {
                msg.append(k == 0 ? "" : ",").append(json.ws()).append(members.get(k)).append(json.ws());
            }
            msg.append('}').append(json.ws());
            String text = msg.toString();
            nestedDecoys += json.decoys;

            assertEquals(expected, id(text), text);
            ByteBuffer data = ByteBuffer.wrap(text.getBytes(UTF_8));
            assertEquals(expected, Correlators.messageId().correlationId(data), "binary: " + text);
            assertEquals(0, data.position());
        }
        assertTrue(numeric > 150, "numeric ids generated: " + numeric);
        assertTrue(nestedDecoys > 50, "nested messageId fields generated: " + nestedDecoys);
    }

    /** A small JSON writer with random choices of escapes, whitespace and nesting. */
    private static final class RandomJson {
        private static final String PUNCTUATION = "{}[]\",:\\/ '";
        private final Random random;
        int decoys;

        RandomJson(Random random) {
            this.random = random;
        }

        String ws() {
            return switch (random.nextInt(6)) {
                case 0 -> " ";
                case 1 -> "\n  ";
                case 2 -> "\t";
                case 3 -> " \r\n";
                default -> "";
            };
        }

        String text(int length) {
            StringBuilder b = new StringBuilder();
            for (int k = 0; k < length; k++) {
                switch (random.nextInt(8)) {
                    case 0 -> b.append(PUNCTUATION.charAt(random.nextInt(PUNCTUATION.length())));
                    case 1 -> b.append((char) random.nextInt(0x20)); // control: must be escaped
                    case 2 -> b.append((char) (0xA0 + random.nextInt(0x700)));
                    case 3 -> b.appendCodePoint(0x1F600 + random.nextInt(0x40)); // emoji, a surrogate pair
                    case 4 -> b.append((char) (0x3000 + random.nextInt(0x1000)));
                    default -> b.append((char) ('!' + random.nextInt(94)));
                }
            }
            return b.toString();
        }

        String otherKey() {
            String key = random.nextInt(3) == 0 ? text(random.nextInt(6)) : "k" + random.nextInt(100);
            return key.equals("messageId") ? key + "_" : key;
        }

        String number() {
            StringBuilder b = new StringBuilder();
            if (random.nextBoolean()) {
                b.append('-');
            }
            if (random.nextInt(5) == 0) {
                b.append('0');
            } else {
                b.append(1 + random.nextInt(9));
                for (int k = random.nextInt(8); k > 0; k--) {
                    b.append(random.nextInt(10));
                }
            }
            if (random.nextInt(3) == 0) {
                b.append('.');
                for (int k = 1 + random.nextInt(4); k > 0; k--) {
                    b.append(random.nextInt(10));
                }
            }
            if (random.nextInt(3) == 0) {
                b.append(random.nextBoolean() ? 'e' : 'E');
                int sign = random.nextInt(3);
                b.append(sign == 0 ? "" : sign == 1 ? "+" : "-");
                for (int k = 1 + random.nextInt(3); k > 0; k--) {
                    b.append(random.nextInt(10));
                }
            }
            return b.toString();
        }

        /** A JSON string literal for {@code s}, each character written raw or escaped at random. */
        String quote(String s) {
            StringBuilder b = new StringBuilder("\"");
            for (int k = 0; k < s.length(); k++) {
                char c = s.charAt(k);
                boolean escapeAnyway = random.nextInt(6) == 0;
                if (Character.isHighSurrogate(c) && k + 1 < s.length()) {
                    char low = s.charAt(++k); // a pair is written raw or escaped as a whole, never half of it
                    b.append(escapeAnyway ? unicodeEscape(c) + unicodeEscape(low) : "" + c + low);
                    continue;
                }
                switch (c) {
                    case '"' -> b.append(escapeAnyway ? "\\u0022" : "\\\"");
                    case '\\' -> b.append(escapeAnyway ? "\\u005c" : "\\\\");
                    case '/' -> b.append(escapeAnyway ? "\\/" : "/");
                    case '\b' -> b.append("\\b");
                    case '\f' -> b.append("\\f");
                    case '\n' -> b.append("\\n");
                    case '\r' -> b.append("\\r");
                    case '\t' -> b.append("\\t");
                    default -> {
                        if (c < 0x20 || escapeAnyway) {
                            b.append(unicodeEscape(c));
                        } else {
                            b.append(c);
                        }
                    }
                }
            }
            return b.append('"').toString();
        }

        String quoteAllEscaped(String s) {
            StringBuilder b = new StringBuilder("\"");
            for (int k = 0; k < s.length(); k++) {
                b.append(unicodeEscape(s.charAt(k)));
            }
            return b.append('"').toString();
        }

        private String unicodeEscape(char c) {
            String hex = String.format("%04x", (int) c);
            return "\\u" + (random.nextBoolean() ? hex : hex.toUpperCase(Locale.ROOT));
        }

        String value(int depth) {
            int kind = random.nextInt(depth >= 4 ? 5 : 8);
            return switch (kind) {
                case 0 -> quote(text(random.nextInt(10)));
                case 1 -> number();
                case 2 -> "true";
                case 3 -> random.nextBoolean() ? "false" : "null";
                case 4 -> quote("\"messageId\":\"decoy\"");
                case 5, 6 -> {
                    StringBuilder b = new StringBuilder("{").append(ws());
                    int members = random.nextInt(4);
                    for (int k = 0; k < members; k++) {
                        String key;
                        if (random.nextInt(4) == 0) {
                            key = "messageId";
                            decoys++;
                        } else {
                            key = otherKey();
                        }
                        b.append(k == 0 ? "" : ",").append(ws()).append(quote(key)).append(ws()).append(':')
                                .append(ws()).append(value(depth + 1)).append(ws());
                    }
                    yield b.append('}').toString();
                }
                default -> {
                    StringBuilder b = new StringBuilder("[").append(ws());
                    int items = random.nextInt(4);
                    for (int k = 0; k < items; k++) {
                        b.append(k == 0 ? "" : ",").append(ws()).append(value(depth + 1)).append(ws());
                    }
                    yield b.append(']').toString();
                }
            };
        }
    }
}
