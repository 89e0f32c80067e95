package io.github.wspool.core;

import io.github.wspool.MessageCorrelator;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * Ready-made {@link MessageCorrelator}s.
 *
 * <p>{@link #jsonField(String)} reads one top-level field of a JSON object without a JSON library: a small,
 * allocation-light scanner, tested against escapes, nesting and malformed input. Its limits, by design:
 * <ul>
 *   <li>only a field of the <b>top-level</b> object counts; the same name inside a nested object or array is
 *       skipped;</li>
 *   <li>the value must be a JSON string (escapes such as {@code \"} and {@code &#92;u0041} are decoded) or a number
 *       (returned as written, e.g. {@code "42"}); {@code true}, {@code false}, {@code null}, objects and arrays give
 *       no id;</li>
 *   <li>a message that is not a JSON object, or is malformed before the field is found, gives no id (never an
 *       exception); if the field occurs twice the first occurrence wins;</li>
 *   <li>binary messages are read as UTF-8; bytes that are not valid UTF-8 give no id.</li>
 * </ul>
 */
public final class Correlators {

    private static final MessageCorrelator MESSAGE_ID = jsonField("messageId");

    private Correlators() {
    }

    /**
     * The default: the top-level JSON field {@code messageId}, as in {@code {"type":"subscribe","messageId":"42"}}.
     *
     * @return the correlator
     */
    public static MessageCorrelator messageId() {
        return MESSAGE_ID;
    }

    /**
     * The top-level JSON field {@code field} of each message (see the class comment for the limits).
     *
     * @param field the field name, not empty
     * @return the correlator
     * @throws IllegalArgumentException if {@code field} is empty
     */
    public static MessageCorrelator jsonField(String field) {
        Objects.requireNonNull(field, "field");
        if (field.isEmpty()) {
            throw new IllegalArgumentException("correlation field name must not be empty");
        }
        return new JsonField(field);
    }

    /** Reads one top-level field of a JSON object. */
    private static final class JsonField implements MessageCorrelator {

        private final String field;

        JsonField(String field) {
            this.field = field;
        }

        @Override
        public String correlationId(String text) {
            Scanner scanner = SCANNERS.get(); // one per thread: a reply is correlated on a selector thread, allocating
            try {                             // nothing but the id (the scanner is too big to be scalar-replaced)
                return scanner.reset(text, field).find();
            } finally {
                scanner.s = null; // keeps no message alive
            }
        }

        @Override
        public String correlationId(ByteBuffer data) {
            try {
                String text = StandardCharsets.UTF_8.newDecoder()
                        .onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT)
                        .decode(data.duplicate()).toString();
                return correlationId(text);
            } catch (CharacterCodingException e) {
                return null;
            }
        }

        @Override
        public String toString() {
            return "jsonField(" + field + ")";
        }
    }

    /** A single-pass scanner; every method returns -1 (or null) on malformed input instead of throwing. */
    private static final ThreadLocal<Scanner> SCANNERS = ThreadLocal.withInitial(Scanner::new);

    private static final class Scanner {
        private static final String[] LITERALS = {"true", "false", "null"};

        private String s;
        private String field;
        private int i;

        Scanner reset(String text, String name) {
            this.s = text;
            this.field = name;
            this.i = 0;
            return this;
        }

        String find() {
            skipWhitespace();
            if (!consume('{')) {
                return null;
            }
            skipWhitespace();
            if (consume('}')) {
                return null;
            }
            while (true) {
                skipWhitespace();
                if (peek() != '"') {
                    return null;
                }
                boolean match = keyMatches();
                if (i < 0) {
                    return null;
                }
                skipWhitespace();
                if (!consume(':')) {
                    return null;
                }
                skipWhitespace();
                if (match) {
                    char c = peek();
                    if (c == '"') {
                        return readString();
                    }
                    if (c == '-' || (c >= '0' && c <= '9')) {
                        return readNumber();
                    }
                    return null;
                }
                if (!skipValue(0)) {
                    return null;
                }
                skipWhitespace();
                if (consume(',')) {
                    continue;
                }
                return null; // '}' (field absent) or malformed
            }
        }

        /** Reads a key string and tells whether it equals the field; leaves i after the closing quote. */
        private boolean keyMatches() {
            int start = i + 1;
            int end = s.indexOf('"', start);
            if (end < 0) {
                i = -1;
                return false;
            }
            boolean escaped = false;
            for (int k = start; k < end; k++) {
                char c = s.charAt(k);
                if (c == '\\') {
                    escaped = true;
                    break;
                }
                if (c < 0x20) {
                    i = -1; // raw control characters are not allowed in JSON strings
                    return false;
                }
            }
            if (!escaped) {
                i = end + 1; // no escapes: compare in place
                return end - start == field.length() && s.regionMatches(start, field, 0, field.length());
            }
            String key = readString();
            return field.equals(key);
        }

        private String readString() {
            StringBuilder out = null;
            int start = ++i; // after the opening quote
            while (i < s.length()) {
                char c = s.charAt(i);
                if (c == '"') {
                    String v = out == null ? s.substring(start, i) : out.append(s, start, i).toString();
                    i++;
                    return v;
                }
                if (c == '\\') {
                    if (out == null) {
                        out = new StringBuilder();
                    }
                    out.append(s, start, i);
                    if (i + 1 >= s.length()) {
                        break;
                    }
                    char e = s.charAt(i + 1);
                    switch (e) {
                        case '"', '\\', '/' -> out.append(e);
                        case 'b' -> out.append('\b');
                        case 'f' -> out.append('\f');
                        case 'n' -> out.append('\n');
                        case 'r' -> out.append('\r');
                        case 't' -> out.append('\t');
                        case 'u' -> {
                            if (i + 6 > s.length()) {
                                i = -1;
                                return null;
                            }
                            int code = 0;
                            for (int k = i + 2; k < i + 6; k++) {
                                int digit = hexDigit(s.charAt(k));
                                if (digit < 0) {
                                    i = -1;
                                    return null;
                                }
                                code = code * 16 + digit;
                            }
                            out.append((char) code);
                            i += 4;
                        }
                        default -> {
                            i = -1;
                            return null;
                        }
                    }
                    i += 2;
                    start = i;
                    continue;
                }
                if (c < 0x20) {
                    break; // raw control characters are not allowed in JSON strings
                }
                i++;
            }
            i = -1;
            return null;
        }

        private String readNumber() {
            int start = i;
            int end = numberEnd(start);
            if (end < 0 || end >= s.length()) {
                return null; // malformed, or cut off where more digits could follow
            }
            char next = s.charAt(end);
            if (next != ',' && next != '}' && next != ' ' && next != '\t' && next != '\n' && next != '\r') {
                return null;
            }
            i = end;
            return s.substring(start, end);
        }

        /** The end of the JSON number {@code -?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?} at {@code from}, or -1. */
        private int numberEnd(int from) {
            int k = from;
            if (k < s.length() && s.charAt(k) == '-') {
                k++;
            }
            if (k < s.length() && s.charAt(k) == '0') {
                k++;
            } else {
                int digits = digitsEnd(k);
                if (digits == k) {
                    return -1;
                }
                k = digits;
            }
            if (k < s.length() && s.charAt(k) == '.') {
                int digits = digitsEnd(k + 1);
                if (digits == k + 1) {
                    return -1;
                }
                k = digits;
            }
            if (k < s.length() && (s.charAt(k) == 'e' || s.charAt(k) == 'E')) {
                k++;
                if (k < s.length() && (s.charAt(k) == '+' || s.charAt(k) == '-')) {
                    k++;
                }
                int digits = digitsEnd(k);
                if (digits == k) {
                    return -1;
                }
                k = digits;
            }
            return k;
        }

        private int digitsEnd(int from) {
            int k = from;
            while (k < s.length() && s.charAt(k) >= '0' && s.charAt(k) <= '9') {
                k++;
            }
            return k;
        }

        private static int hexDigit(char c) {
            if (c >= '0' && c <= '9') {
                return c - '0';
            }
            if (c >= 'a' && c <= 'f') {
                return c - 'a' + 10;
            }
            if (c >= 'A' && c <= 'F') {
                return c - 'A' + 10;
            }
            return -1;
        }

        /** Skips one JSON value; nesting depth is bounded so hostile input cannot overflow the stack. */
        private boolean skipValue(int depth) {
            if (depth > 64 || i < 0 || i >= s.length()) {
                return false;
            }
            char c = s.charAt(i);
            if (c == '"') {
                return readString() != null;
            }
            if (c == '{' || c == '[') {
                char close = c == '{' ? '}' : ']';
                i++;
                skipWhitespace();
                if (consume(close)) {
                    return true;
                }
                while (true) {
                    skipWhitespace();
                    if (c == '{') {
                        if (peek() != '"' || readString() == null) {
                            return false;
                        }
                        skipWhitespace();
                        if (!consume(':')) {
                            return false;
                        }
                        skipWhitespace();
                    }
                    if (!skipValue(depth + 1)) {
                        return false;
                    }
                    skipWhitespace();
                    if (consume(',')) {
                        continue;
                    }
                    return consume(close);
                }
            }
            for (String literal : LITERALS) {
                if (s.startsWith(literal, i)) {
                    i += literal.length();
                    return true;
                }
            }
            int end = numberEnd(i);
            if (end < 0) {
                return false;
            }
            i = end;
            return true;
        }

        private void skipWhitespace() {
            while (i >= 0 && i < s.length()) {
                char c = s.charAt(i);
                if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
                    return;
                }
                i++;
            }
        }

        private char peek() {
            return i >= 0 && i < s.length() ? s.charAt(i) : '\0';
        }

        private boolean consume(char c) {
            if (peek() == c) {
                i++;
                return true;
            }
            return false;
        }
    }
}
