package io.github.wspool.core.internal.transport;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ThreadLocalRandom;
import org.java_websocket.enums.Opcode;
import org.java_websocket.exceptions.InvalidDataException;
import org.java_websocket.framing.CloseFrame;
import org.java_websocket.framing.Framedata;
import org.java_websocket.framing.TextFrame;

/**
 * The per-message work of {@link BoundedDraft} that Java-WebSocket's {@code Draft_6455} does slowly, done once:
 * encoding a client frame, and decoding a whole text message.
 *
 * <ul>
 *   <li><b>Encoding</b> ({@link #encodeMasked}): the library masks byte by byte ({@code mes.get() ^ key.get(i % 4)})
 *       with a key from one {@code SecureRandom} shared by the connection's senders. Here the payload is masked
 *       eight bytes at a time, with a key from {@link ThreadLocalRandom}, as Netty's and Jetty's clients do: the key
 *       only has to be unpredictable to script in a browser sharing a proxy (RFC 6455 10.3), a threat this client,
 *       whose payloads come from its own application, does not face; and no lock is shared between senders.</li>
 *   <li><b>Decoding</b> ({@link #utf8}): the library checks a text frame's UTF-8 with a byte-by-byte state machine
 *       while translating it, copies its payload, then decodes it again with a new {@code CharsetDecoder} into a
 *       {@code CharBuffer} and copies that into the string. Here a complete unfragmented text frame is decoded once,
 *       from the bytes read, by {@link String}'s own UTF-8 decoder (vectorised for ASCII), which replaces malformed
 *       input with U+FFFD: only a string that contains U+FFFD is checked again strictly, so malformed UTF-8 still
 *       fails the connection with 1007, and a legitimate U+FFFD costs one strict pass.</li>
 * </ul>
 */
final class FrameCodec {

    private FrameCodec() {
    }

    /**
     * A complete, unfragmented, uncompressed text message, decoded while its frame was translated: processing it
     * hands {@link #text} to the engine's listener. It is a {@link TextFrame}, so the engine's logging and any code
     * looking at opcodes see it as one; its payload is left empty (the bytes were decoded straight from the read).
     */
    static final class DecodedText extends TextFrame {
        /** The message; cleared once delivered (the draft reuses these frames from read to read). */
        String text;

        @Override
        public void isValid() {
            // decoded strictly already
        }

        @Override
        public String toString() {
            String t = text;
            return "DecodedText[" + (t == null ? "delivered" : t.length() + " chars") + "]"; // never the content
        }
    }

    /**
     * Decodes UTF-8 strictly: malformed input (invalid bytes, overlong forms, surrogates, code points past U+10FFFF,
     * a truncated sequence) fails with 1007, as RFC 6455 8.1 asks.
     *
     * @param from bytes read; not changed (absolute reads)
     * @param at   where the text starts in {@code from}
     * @param len  its length in bytes
     * @return the text
     * @throws InvalidDataException with close code 1007 if the bytes are not UTF-8
     */
    static String utf8(ByteBuffer from, int at, int len) throws InvalidDataException {
        String s;
        if (from.hasArray()) {
            s = new String(from.array(), from.arrayOffset() + at, len, StandardCharsets.UTF_8);
        } else {
            byte[] bytes = new byte[len];
            from.get(at, bytes);
            s = new String(bytes, StandardCharsets.UTF_8);
        }
        // Latin-1 strings answer at once (U+FFFD cannot be in them); others are scanned once, vectorised
        if (s.indexOf('\uFFFD') >= 0) {
            checkStrictly(from.slice(at, len));
        }
        return s;
    }

    private static void checkStrictly(ByteBuffer bytes) throws InvalidDataException {
        try {
            StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(bytes);
        } catch (CharacterCodingException e) {
            throw new InvalidDataException(CloseFrame.NO_UTF8, "the server sent a text message that is not valid UTF-8");
        }
    }

    /**
     * Encodes a client frame: header, a fresh mask key, the payload masked (RFC 6455 5.2, 5.3).
     *
     * @param frame the frame, its payload already encoded by the negotiated extension; its buffer is not changed
     * @return the frame's bytes, ready to write (position 0, backed by an array at offset 0)
     */
    static ByteBuffer encodeMasked(Framedata frame) {
        ByteBuffer payload = frame.getPayloadData();
        int from = payload.position();
        int len = payload.remaining();
        int lengthBytes = len <= 125 ? 0 : len <= 0xFFFF ? 2 : 8;
        byte[] out = new byte[2 + lengthBytes + 4 + len];
        int b0 = (frame.isFin() ? 0x80 : 0) | opcode(frame.getOpcode());
        if (frame.isRSV1()) {
            b0 |= 0x40;
        }
        if (frame.isRSV2()) {
            b0 |= 0x20;
        }
        if (frame.isRSV3()) {
            b0 |= 0x10;
        }
        out[0] = (byte) b0;
        int i = 2;
        if (lengthBytes == 0) {
            out[1] = (byte) (0x80 | len);
        } else if (lengthBytes == 2) {
            out[1] = (byte) (0x80 | 126);
            out[i++] = (byte) (len >>> 8);
            out[i++] = (byte) len;
        } else {
            out[1] = (byte) (0x80 | 127);
            for (int shift = 56; shift >= 0; shift -= 8) {
                out[i++] = (byte) ((long) len >>> shift);
            }
        }
        int key = ThreadLocalRandom.current().nextInt();
        out[i++] = (byte) (key >>> 24);
        out[i++] = (byte) (key >>> 16);
        out[i++] = (byte) (key >>> 8);
        out[i++] = (byte) key;
        ByteBuffer frameBytes = ByteBuffer.wrap(out); // big-endian, as the key's bytes were written
        long key8 = (key & 0xFFFFFFFFL) << 32 | (key & 0xFFFFFFFFL);
        if (payload.order() != ByteOrder.BIG_ENDIAN) {
            key8 = Long.reverseBytes(key8); // read and written in the payload's order: the key must match
        }
        ByteBuffer into = frameBytes.order(payload.order());
        int n = 0;
        for (; n + 8 <= len; n += 8) {
            into.putLong(i + n, payload.getLong(from + n) ^ key8);
        }
        for (; n < len; n++) {
            out[i + n] = (byte) (payload.get(from + n) ^ (key >>> (24 - 8 * (n & 3))));
        }
        return frameBytes.order(ByteOrder.BIG_ENDIAN);
    }

    /**
     * The opcode of a frame's first byte's low four bits, one {@code BoundedDraft.frameSize} accepted.
     *
     * @param opcode 0, 1, 2, 8, 9 or 10
     * @return the library's opcode
     */
    static Opcode opcode(int opcode) {
        return switch (opcode) {
            case 0 -> Opcode.CONTINUOUS;
            case 1 -> Opcode.TEXT;
            case 2 -> Opcode.BINARY;
            case 8 -> Opcode.CLOSING;
            case 9 -> Opcode.PING;
            case 10 -> Opcode.PONG;
            default -> throw new IllegalArgumentException("not an RFC 6455 opcode: " + opcode);
        };
    }

    private static int opcode(Opcode op) {
        return switch (op) {
            case CONTINUOUS -> 0;
            case TEXT -> 1;
            case BINARY -> 2;
            case CLOSING -> 8;
            case PING -> 9;
            case PONG -> 10;
        };
    }
}
