package io.github.wspool.core.internal.transport;

import io.github.wspool.core.spi.CompressionOptions;
import io.github.wspool.core.spi.HttpHeaders;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;
import java.util.stream.IntStream;
import org.java_websocket.enums.Opcode;
import org.java_websocket.exceptions.InvalidDataException;
import org.java_websocket.exceptions.InvalidFrameException;
import org.java_websocket.exceptions.LimitExceededException;
import org.java_websocket.extensions.CompressionExtension;
import org.java_websocket.extensions.ExtensionRequestData;
import org.java_websocket.extensions.IExtension;
import org.java_websocket.framing.CloseFrame;
import org.java_websocket.framing.DataFrame;
import org.java_websocket.framing.Framedata;
import org.java_websocket.framing.FramedataImpl1;

/**
 * The client side of permessage-deflate (RFC 7692) for Java-WebSocket's engine, as {@link CompressionOptions}
 * describes it. Java-WebSocket ships a {@code PerMessageDeflateExtension}; it is not used because, as a client (1.6.0):
 * it inflates without bound (a small frame can expand to any size: a zip bomb is an {@code OutOfMemoryError}); it
 * applies the context-takeover parameters to the wrong direction (it resets its inflater on
 * {@code client_no_context_takeover} and its deflater on {@code server_no_context_takeover}), so with
 * {@code setClientNoContextTakeover(false)} it offers no context takeover and keeps its context, which Node's
 * {@code ws} refuses ("invalid distance too far back"); it ignores the server's answer (a window size it cannot
 * honour is accepted); and one deflater per connection, used by whichever thread sends, is not safe for concurrent
 * senders. This one:
 *
 * <ul>
 *   <li>offers {@code client_no_context_takeover} always and compresses each outbound message on its own with a
 *       deflater borrowed from a shared pool ({@link #encodeFrame}), so senders need no lock and a connection keeps no
 *       deflater; a message below the threshold, one that does not shrink, and any fragment of a fragmented message
 *       go uncompressed (RSV1 is per message);</li>
 *   <li>checks the server's answer ({@link #acceptProvidedExtensionAsClient}); a problem is kept for the transport
 *       to fail the connect with ({@link #problem()}), since the engine's callback cannot throw;</li>
 *   <li>inflates a message's first frame in {@link #decodeFrame} and its continuation frames in {@link #inflate},
 *       called by the draft as it translates them, with the bytes the message may still grow by; the draft, not the
 *       engine's per-frame decoder choice, tracks whether a message is compressed, so a control frame between two
 *       fragments of a compressed message does not leave the rest compressed.</li>
 * </ul>
 *
 * <p>One instance per connection (the engine's draft copy makes its own with {@link #copyInstance()}); negotiation
 * happens on the connecting thread, inflation on the reading thread, encoding on any sending thread (it touches only
 * immutable state and the pool).
 */
public final class PerMessageDeflate extends CompressionExtension {

    static final String NAME = "permessage-deflate";
    private static final byte[] TAIL = {0x00, 0x00, (byte) 0xff, (byte) 0xff};
    /** Deflaters and inflaters kept for reuse, JVM-wide; more are made when all are in use, and ended if not kept. */
    private static final int POOLED = Math.max(4, 2 * Runtime.getRuntime().availableProcessors());
    private static final ArrayBlockingQueue<Inflater> INFLATERS = new ArrayBlockingQueue<>(POOLED);
    /** One pool per deflate level, -1..9. */
    private static final List<ArrayBlockingQueue<Deflater>> DEFLATERS = IntStream.rangeClosed(-1, 9)
            .mapToObj(level -> new ArrayBlockingQueue<Deflater>(POOLED)).toList();

    private final CompressionOptions options;
    private final int maxMessageSize;
    /** Whether the server agreed to compress each message on its own; set on the connecting thread before any read. */
    private boolean serverNoContextTakeover;
    private String problem;
    /** This connection's own inflater (server context takeover), or the one borrowed for the current message. */
    private Inflater inflater;

    /**
     * @param options        what to offer; enabled
     * @param maxMessageSize the most bytes a message may inflate to
     */
    public PerMessageDeflate(CompressionOptions options, int maxMessageSize) {
        this.options = options;
        this.maxMessageSize = maxMessageSize;
    }

    // ------------------------------------------------------------------------------------------------ negotiation

    @Override
    public String getProvidedExtensionAsClient() {
        StringBuilder offer = new StringBuilder(NAME).append("; client_no_context_takeover");
        if (options.serverNoContextTakeover()) {
            offer.append("; server_no_context_takeover");
        }
        if (options.serverMaxWindowBits() != 0) {
            offer.append("; server_max_window_bits=").append(options.serverMaxWindowBits());
        }
        return offer.toString();
    }

    /**
     * Reads the server's {@code Sec-WebSocket-Extensions} answer. Returns {@code false} when it holds no
     * permessage-deflate (the server declined: the connection runs uncompressed); {@code true} when it does, having
     * noted in {@link #problem()} anything in it that breaks RFC 7692 (7.1): a parameter the client did not offer
     * or does not know, a value where none belongs, a window size out of range or over what was asked for, the
     * extension twice.
     */
    @Override
    public boolean acceptProvidedExtensionAsClient(String answer) {
        if (answer == null || answer.isBlank()) {
            return false;
        }
        List<ExtensionRequestData> ours = new ArrayList<>(1);
        for (String element : answer.split(",")) {
            ExtensionRequestData data = ExtensionRequestData.parseExtensionRequest(element);
            if (NAME.equalsIgnoreCase(data.getExtensionName())) {
                ours.add(data);
            }
        }
        if (ours.isEmpty()) {
            return false;
        }
        if (ours.size() > 1) {
            problem = "the server answered permessage-deflate " + ours.size() + " times";
            return true;
        }
        for (Map.Entry<String, String> p : ours.get(0).getExtensionParameters().entrySet()) {
            String name = p.getKey();
            String value = p.getValue();
            switch (name.toLowerCase(Locale.ROOT)) {
                case "server_no_context_takeover" -> {
                    noValue(name, value);
                    serverNoContextTakeover = true;
                }
                case "client_no_context_takeover" -> noValue(name, value); // what this side does anyway
                case "server_max_window_bits" -> {
                    int bits = windowBits(name, value);
                    if (bits > 0 && options.serverMaxWindowBits() != 0 && bits > options.serverMaxWindowBits()) {
                        problem = "the server answered server_max_window_bits=" + bits + ", more than the "
                                + options.serverMaxWindowBits() + " offered";
                    }
                }
                case "client_max_window_bits" -> problem = "the server answered client_max_window_bits, which was not"
                        + " offered (this client compresses with a 32 KiB window only)";
                default -> problem = "the server answered an unknown permessage-deflate parameter '"
                        + HttpHeaders.printable(name) + "'";
            }
        }
        return true;
    }

    private void noValue(String name, String value) {
        if (!value.isEmpty()) {
            problem = "the server answered " + name + " with a value ('" + HttpHeaders.printable(value)
                    + "'), which it must not have";
        }
    }

    private int windowBits(String name, String value) {
        try {
            int bits = Integer.parseInt(value.trim());
            if (bits >= 8 && bits <= 15) {
                return bits;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        problem = "the server answered " + name + "='" + HttpHeaders.printable(value) + "', not a number 8..15";
        return -1;
    }

    /**
     * What was wrong with the server's answer, if anything; read by the transport once the handshake is complete.
     *
     * @return why the negotiation must fail the connect, or {@code null}
     */
    public String problem() {
        return problem;
    }

    @Override
    public boolean acceptProvidedExtensionAsServer(String inputExtension) {
        return false; // a client only
    }

    @Override
    public String getProvidedExtensionAsServer() {
        return "";
    }

    @Override
    public IExtension copyInstance() {
        return new PerMessageDeflate(options, maxMessageSize);
    }

    @Override
    public void reset() {
        // the engine resets its draft when the connection closes, possibly while the reading thread still inflates:
        // the inflater is left to the garbage collector (its cleaner frees the native memory), never ended under it
    }

    @Override
    public String toString() {
        return NAME;
    }

    // ------------------------------------------------------------------------------------------------ frames

    /** RSV1 only on the first frame of a data message; never on a continuation or control frame (RFC 7692 6). */
    @Override
    public void isFrameValid(Framedata frame) throws InvalidDataException {
        if (frame.getOpcode() == Opcode.CONTINUOUS && frame.isRSV1()) {
            throw new InvalidFrameException("RSV1 set on a continuation frame (permessage-deflate marks only a"
                    + " message's first frame)");
        }
        super.isFrameValid(frame);
    }

    /**
     * Inflates the first frame of a compressed message (RSV1), before the library checks a text frame's UTF-8. Its
     * continuation frames are inflated by the draft (see {@link BoundedDraft}), which knows which message they
     * belong to even when a control frame came between.
     */
    @Override
    public void decodeFrame(Framedata frame) throws InvalidDataException {
        if (frame instanceof DataFrame && frame.getOpcode() != Opcode.CONTINUOUS && frame.isRSV1()) {
            ((FramedataImpl1) frame).setPayload(inflate(frame.getPayloadData(), frame.isFin(), maxMessageSize));
        }
    }

    /**
     * Compresses an outbound single-frame text or binary message of at least the threshold, on its own (no context
     * kept), and marks it with RSV1 — unless compressing does not make it smaller. Control frames and fragments are
     * left as they are.
     */
    @Override
    public void encodeFrame(Framedata frame) {
        if (!(frame instanceof DataFrame) || !frame.isFin() || frame.getOpcode() == Opcode.CONTINUOUS) {
            return;
        }
        ByteBuffer payload = frame.getPayloadData();
        int length = payload.remaining();
        if (length < options.threshold() || length == 0) {
            return;
        }
        ArrayBlockingQueue<Deflater> pool = DEFLATERS.get(options.level() + 1);
        Deflater deflater = pool.poll();
        if (deflater == null) {
            deflater = new Deflater(options.level(), true);
        }
        byte[] out = new byte[length + TAIL.length]; // more than this and the message is sent as it is
        int n;
        try {
            deflater.setInput(payload.duplicate());
            n = deflater.deflate(out, 0, out.length, Deflater.SYNC_FLUSH);
            if (n == out.length) {
                return; // no smaller: uncompressed
            }
        } finally {
            deflater.reset();
            if (!pool.offer(deflater)) {
                deflater.end();
            }
        }
        if (n >= TAIL.length && out[n - 4] == 0 && out[n - 3] == 0 && out[n - 2] == (byte) 0xff
                && out[n - 1] == (byte) 0xff) {
            n -= TAIL.length; // RFC 7692 7.2.1: the sync flush's empty block is not sent
        }
        if (n >= length) {
            return;
        }
        ((DataFrame) frame).setRSV1(true);
        ((FramedataImpl1) frame).setPayload(ByteBuffer.wrap(out, 0, n));
    }

    /**
     * Inflates one frame of a compressed message, refusing it as soon as the message would grow past its budget.
     *
     * @param payload the frame's compressed payload
     * @param last    whether the frame ends the message (the empty block RFC 7692 7.2.2 strips is put back)
     * @param budget  how many bytes the message may still grow by (the max message size less what earlier fragments
     *                inflated to)
     * @return the inflated bytes
     * @throws LimitExceededException if the message would exceed its budget (close code 1009)
     * @throws InvalidDataException   if the payload is not valid deflate data (close code 1007)
     */
    ByteBuffer inflate(ByteBuffer payload, boolean last, long budget) throws InvalidDataException {
        Inflater inf = inflater;
        if (inf == null) {
            inf = serverNoContextTakeover ? INFLATERS.poll() : null;
            inflater = inf = inf != null ? inf : new Inflater(true);
        }
        int capacity = (int) Math.min(budget + 1, Math.max(256L, 4L * payload.remaining()));
        byte[] out = new byte[Math.max(capacity, 1)];
        int n = 0;
        boolean tail = !last;
        try {
            inf.setInput(payload);
            while (true) {
                if (n == out.length) {
                    if (n > budget) {
                        break;
                    }
                    byte[] grown = new byte[(int) Math.min(budget + 1, 2L * out.length)];
                    System.arraycopy(out, 0, grown, 0, n);
                    out = grown;
                }
                int k = inf.inflate(out, n, out.length - n);
                n += k;
                if (k > 0) {
                    continue;
                }
                if (inf.finished()) { // the server ended its deflate stream (BFINAL): what follows starts a new one
                    int rest = inf.getRemaining();
                    inf.reset();
                    if (rest > 0) {
                        payload.position(payload.limit() - rest);
                        inf.setInput(payload);
                        continue;
                    }
                    if (!tail) {
                        tail = true; // the stream ended on its own: nothing to put back
                    }
                    break;
                }
                if (inf.needsDictionary()) {
                    throw new InvalidDataException(CloseFrame.NO_UTF8, "a compressed message asked for a preset"
                            + " dictionary (not allowed by permessage-deflate)");
                }
                if (inf.needsInput()) {
                    if (!tail) {
                        tail = true;
                        inf.setInput(TAIL);
                        continue;
                    }
                    break;
                }
                break; // neither output nor a need: cannot happen with room in the buffer
            }
        } catch (DataFormatException e) {
            throw new InvalidDataException(CloseFrame.NO_UTF8, "a compressed message is not valid deflate data: "
                    + e.getMessage());
        }
        if (n > budget) {
            throw new LimitExceededException("a compressed message inflated past " + maxMessageSize
                    + " bytes (maxMessageSize)", maxMessageSize);
        }
        if (last) {
            endMessage();
        }
        return ByteBuffer.wrap(out, 0, n);
    }

    /** After a message: the server's next one starts a new stream if it agreed to, and the inflater goes back. */
    private void endMessage() {
        if (serverNoContextTakeover && inflater != null) {
            Inflater inf = inflater;
            inflater = null;
            inf.reset();
            if (!INFLATERS.offer(inf)) {
                inf.end();
            }
        }
    }
}
