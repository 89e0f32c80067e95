package io.github.wspool.core.internal.messaging;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

class WireSizeTest {

    private static int encoded(String s) {
        return s.getBytes(UTF_8).length;
    }

    private static void assertExact(String s, long expected) {
        assertEquals(expected, encoded(s), "sanity: getBytes length of " + describe(s));
        assertEquals(expected, WireSize.utf8Length(s), "utf8Length of " + describe(s));
    }

    private static String describe(String s) {
        StringBuilder b = new StringBuilder("[");
        for (int i = 0; i < s.length(); i++) {
            b.append(i == 0 ? "" : " ").append(Integer.toHexString(s.charAt(i)));
        }
        return b.append(']').toString();
    }

    @Test
    void emptyString() {
        assertExact("", 0);
    }

    @Test
    void asciiIsOneBytePerChar() {
        assertExact("a", 1);
        assertExact("\u0000", 1);
        assertExact("\u007f", 1);
        assertExact("{\"type\":\"subscribe\",\"messageId\":\"42\"}", 37);
    }

    @Test
    void twoByteChars() {
        assertExact("\u0080", 2);
        assertExact("\u00e9", 2);
        assertExact("\u07ff", 2);
        assertExact("caf\u00e9", 5);
    }

    @Test
    void threeByteChars() {
        assertExact("\u0800", 3);
        assertExact("\u20ac", 3); // euro sign
        assertExact("\ud7ff", 3); // just below the surrogates
        assertExact("\ue000", 3); // just above them
        assertExact("\uffff", 3);
        assertExact("\u65e5\u672c", 6);
    }

    @Test
    void surrogatePairsAreFourBytes() {
        assertExact("\ud83d\ude00", 4); // U+1F600 emoji
        assertExact("\ud800\udc00", 4); // U+10000, the first supplementary code point
        assertExact("\udbff\udfff", 4); // U+10FFFF, the last
        assertExact("a\ud83d\ude00b\ud83d\ude00\ud83d\ude00", 14);
    }

    @Test
    void mixedWellFormedString() {
        assertExact("a\u00e9\u20ac\ud83d\ude00", 1 + 2 + 3 + 4);
    }

    @Test
    void unpairedSurrogatesNeverUndercount() {
        // String.getBytes replaces an unpaired surrogate by '?' (1 byte); utf8Length counts the 3 bytes of U+FFFD.
        String[] malformed = {
            "\ud83d",             // lone high surrogate
            "\ude00",             // lone low surrogate
            "\ud83dx",            // high followed by a non-surrogate
            "x\ude00",            // low without a high before it
            "\ude00\ud83d",       // pair in the wrong order
            "\ud83d\ud83d\ude00", // high, then a valid pair
            "\ud83d\ude00\ude00", // valid pair, then a lone low
        };
        long[] expected = {3, 3, 4, 4, 6, 7, 7};
        for (int k = 0; k < malformed.length; k++) {
            String s = malformed[k];
            long length = WireSize.utf8Length(s);
            assertEquals(expected[k], length, "utf8Length of " + describe(s));
            assertTrue(length >= encoded(s), "utf8Length " + length + " >= encoded " + encoded(s)
                    + " for " + describe(s));
        }
        assertEquals(1, encoded("\ud83d"), "getBytes writes '?' for a lone surrogate");
        assertEquals(1, encoded("\ude00"), "getBytes writes '?' for a lone surrogate");
    }

    @Test
    void randomWellFormedStringsAreExact() {
        Random random = new Random(20240611L);
        for (int n = 0; n < 10_000; n++) {
            StringBuilder b = new StringBuilder();
            int codePoints = random.nextInt(40);
            for (int k = 0; k < codePoints; k++) {
                b.appendCodePoint(randomScalarValue(random));
            }
            String s = b.toString();
            assertEquals(encoded(s), WireSize.utf8Length(s), "utf8Length of " + describe(s));
        }
    }

    @Test
    void randomCharSoupNeverUndercounts() {
        // Arbitrary chars, surrogates included and often unpaired.
        Random random = new Random(7L);
        int malformedSeen = 0;
        for (int n = 0; n < 10_000; n++) {
            char[] chars = new char[random.nextInt(40)];
            for (int k = 0; k < chars.length; k++) {
                chars[k] = switch (random.nextInt(4)) {
                    case 0 -> (char) random.nextInt(0x80);
                    case 1 -> (char) (0xD800 + random.nextInt(0x800)); // any surrogate
                    default -> (char) random.nextInt(0x10000);
                };
            }
            String s = new String(chars);
            long length = WireSize.utf8Length(s);
            int real = encoded(s);
            if (isWellFormed(s)) {
                assertEquals(real, length, "utf8Length of " + describe(s));
            } else {
                malformedSeen++;
                assertTrue(length >= real, "utf8Length " + length + " >= encoded " + real + " for " + describe(s));
            }
        }
        assertTrue(malformedSeen > 1_000, "the generator produced malformed strings: " + malformedSeen);
    }

    private static boolean isWellFormed(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c)) {
                if (i + 1 >= s.length() || !Character.isLowSurrogate(s.charAt(i + 1))) {
                    return false;
                }
                i++;
            } else if (Character.isLowSurrogate(c)) {
                return false;
            }
        }
        return true;
    }

    private static int randomScalarValue(Random random) {
        while (true) {
            int cp = switch (random.nextInt(4)) {
                case 0 -> random.nextInt(0x80);
                case 1 -> 0x80 + random.nextInt(0x800 - 0x80);
                case 2 -> 0x800 + random.nextInt(0x10000 - 0x800);
                default -> 0x10000 + random.nextInt(0x110000 - 0x10000);
            };
            if (cp < 0xD800 || cp > 0xDFFF) {
                return cp;
            }
        }
    }

    @Test
    void clientFrameAddsHeaderExtendedLengthAndMask() {
        assertEquals(6, WireSize.clientFrame(0));
        assertEquals(7, WireSize.clientFrame(1));
        assertEquals(131, WireSize.clientFrame(125));
        assertEquals(134, WireSize.clientFrame(126));
        assertEquals(65_543, WireSize.clientFrame(65_535));
        assertEquals(65_550, WireSize.clientFrame(65_536));
        assertEquals(10_000_014L, WireSize.clientFrame(10_000_000L));
        assertEquals((1L << 32) + 14, WireSize.clientFrame(1L << 32));
    }
}
