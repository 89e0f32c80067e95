package io.github.wspool.core.internal.transport;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import org.java_websocket.exceptions.InvalidDataException;
import org.java_websocket.framing.BinaryFrame;
import org.java_websocket.framing.ContinuousFrame;
import org.java_websocket.framing.FramedataImpl1;
import org.java_websocket.framing.TextFrame;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/**
 * {@link FrameCodec} against RFC 6455's frame layout, decoded here by a reference written from the RFC (byte-wise
 * unmasking), and its UTF-8 decoding against the JDK's strict decoder.
 */
class FrameCodecTest {

    /** Header, mask key and payload of an encoded frame, read byte by byte as the RFC lays them out. */
    private record Parsed(int firstByte, boolean masked, long length, byte[] key, byte[] payload) {
        static Parsed of(ByteBuffer frame) {
            byte[] b = new byte[frame.remaining()];
            frame.duplicate().get(b);
            int len7 = b[1] & 0x7f;
            int i = 2;
            long length = len7;
            if (len7 == 126) {
                length = (b[2] & 0xffL) << 8 | (b[3] & 0xffL);
                i = 4;
            } else if (len7 == 127) {
                length = 0;
                for (int k = 2; k < 10; k++) {
                    length = length << 8 | (b[k] & 0xffL);
                }
                i = 10;
            }
            byte[] key = {b[i], b[i + 1], b[i + 2], b[i + 3]};
            i += 4;
            byte[] payload = new byte[b.length - i];
            for (int k = 0; k < payload.length; k++) {
                payload[k] = (byte) (b[i + k] ^ key[k % 4]);
            }
            return new Parsed(b[0] & 0xff, (b[1] & 0x80) != 0, length, key, payload);
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 3, 7, 8, 9, 15, 16, 17, 125, 126, 127, 65535, 65536, 70001})
    void everyLengthIsFramedAndMaskedAsTheRfcLaysItOut(int length) {
        byte[] data = new byte[length];
        new Random(length).nextBytes(data);
        BinaryFrame frame = new BinaryFrame();
        frame.setPayload(ByteBuffer.wrap(data));

        ByteBuffer encoded = FrameCodec.encodeMasked(frame);
        Parsed p = Parsed.of(encoded);
        assertEquals(0x82, p.firstByte(), "FIN + binary");
        assertTrue(p.masked(), "a client's frame is masked");
        assertEquals(length, p.length());
        int header = length <= 125 ? 2 : length <= 65535 ? 4 : 10;
        assertEquals(header + 4 + length, encoded.remaining(), "the shortest length form, nothing more");
        assertArrayEquals(data, p.payload(), "unmasked with its key, the payload is what was sent");
        assertEquals(0, frame.getPayloadData().position(), "the frame's own buffer is left as it was");
    }

    @Test
    void aPayloadInLittleEndianOrderOrAtAnOffsetIsMaskedByItsBytes() {
        byte[] data = "0123456789abcdefghijklmnopqrstuvwxyz".getBytes(StandardCharsets.US_ASCII);
        ByteBuffer sliced = ByteBuffer.allocate(data.length + 5).position(5).slice().put(data).flip()
                .order(ByteOrder.LITTLE_ENDIAN);
        ByteBuffer offset = ByteBuffer.allocate(data.length + 3);
        offset.position(3).mark();
        offset.put(data).reset();
        for (ByteBuffer payload : new ByteBuffer[] {sliced, offset, ByteBuffer.allocateDirect(data.length).put(data)
                .flip()}) {
            BinaryFrame frame = new BinaryFrame();
            frame.setPayload(payload);
            assertArrayEquals(data, Parsed.of(FrameCodec.encodeMasked(frame)).payload(), String.valueOf(payload));
        }
    }

    @Test
    void finReservedBitsAndOpcodeGoInTheFirstByte() {
        FramedataImpl1 first = new TextFrame();
        first.setFin(false);
        first.setRSV1(true);
        first.setPayload(ByteBuffer.wrap(new byte[] {1}));
        assertEquals(0x41, Parsed.of(FrameCodec.encodeMasked(first)).firstByte(), "RSV1 + text, not final");
        FramedataImpl1 last = new ContinuousFrame();
        last.setFin(true);
        last.setPayload(ByteBuffer.wrap(new byte[] {2}));
        assertEquals(0x80, Parsed.of(FrameCodec.encodeMasked(last)).firstByte(), "FIN + continuation");
    }

    @Test
    void eachFrameGetsAFreshKey() {
        Set<Integer> keys = new HashSet<>();
        for (int i = 0; i < 16; i++) {
            BinaryFrame frame = new BinaryFrame();
            frame.setPayload(ByteBuffer.wrap(new byte[8]));
            keys.add(ByteBuffer.wrap(Parsed.of(FrameCodec.encodeMasked(frame)).key()).getInt());
        }
        assertTrue(keys.size() > 1, "16 frames, keys " + keys);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "plain ascii {\"id\":1}", "caf\u00e9 \u00fcber", "\u20ac \u4e2d\u6587",
            "\uD83D\uDE00 astral", "a\uFFFDb (a real replacement character)"})
    void validUtf8DecodesToTheSameTextFromHeapAndDirectBuffers(String text) throws InvalidDataException {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        ByteBuffer heap = ByteBuffer.allocate(bytes.length + 4).put(new byte[] {9, 9}).put(bytes).put(new byte[2]);
        assertEquals(text, FrameCodec.utf8(heap, 2, bytes.length));
        ByteBuffer direct = ByteBuffer.allocateDirect(bytes.length + 1).put((byte) 9).put(bytes);
        assertEquals(text, FrameCodec.utf8(direct, 1, bytes.length));
    }

    @ParameterizedTest
    @ValueSource(strings = {"C328", "C080", "EDA080", "F4908080", "61E282", "FF", "80", "F8888080 80"})
    void malformedUtf8FailsWith1007(String hex) {
        byte[] bytes = java.util.HexFormat.of().parseHex(hex.replace(" ", ""));
        InvalidDataException e = assertThrows(InvalidDataException.class,
                () -> FrameCodec.utf8(ByteBuffer.wrap(bytes), 0, bytes.length));
        assertEquals(1007, e.getCloseCode());
    }
}
