package io.github.wspool.core.internal.transport;

import io.github.wspool.EndpointConnectException;
import io.github.wspool.core.spi.CompressionOptions;
import io.github.wspool.core.spi.TransportOptions;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.java_websocket.WebSocket;
import org.java_websocket.WebSocketImpl;
import org.java_websocket.drafts.Draft;
import org.java_websocket.drafts.Draft_6455;
import org.java_websocket.enums.Opcode;
import org.java_websocket.enums.Role;
import org.java_websocket.exceptions.InvalidDataException;
import org.java_websocket.exceptions.InvalidFrameException;
import org.java_websocket.exceptions.LimitExceededException;
import org.java_websocket.framing.Framedata;
import org.java_websocket.framing.FramedataImpl1;
import org.java_websocket.framing.TextFrame;
import org.java_websocket.handshake.ClientHandshake;
import org.java_websocket.handshake.Handshakedata;
import org.java_websocket.protocols.IProtocol;
import org.java_websocket.protocols.Protocol;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Java-WebSocket's RFC 6455 draft with the inbound message size bounded for whole messages, not only frames, frames
 * read in bounded chunks, and the subprotocols the pool requests. One instance per connection (it keeps
 * per-connection state).
 *
 * <p><b>Message size.</b> A frame that declares more than the limit is refused from its header, unread (1009). But
 * {@code Draft_6455} checks the assembled size of a fragmented message only at its first and last frame: middle
 * continuation frames pile up without bound (Java-WebSocket issue #1508). This subclass counts every fragment and
 * refuses the message as soon as its bytes so far exceed the limit, with close code 1009 (message too big), before
 * the library buffers more.
 *
 * <p><b>Frames in bounded chunks.</b> {@code Draft_6455} allocates a frame's whole declared length as soon as its
 * header arrives; here a frame still arriving is held in a buffer that grows with what has come
 * ({@link #translateFrame}), and a server must not mask its frames (RFC 6455 5.1). A frame that breaks the protocol
 * ends the frames read: those before it are processed, then the connection fails; nothing after it is.
 *
 * <p><b>Subprotocols.</b> The requested ones are offered in order, followed by the empty protocol, so that a server
 * answering with none (or with one not requested) still completes the library's handshake; the transport then
 * checks the answer with {@code TransportOptions.subprotocolProblem} and fails the connect with a clear message,
 * instead of the library's "draft refuses handshake".
 *
 * <p><b>The upgrade request stays out of the logs.</b> {@code WebSocketImpl} logs every buffer it queues for writing
 * at TRACE, whole ({@code write(n): <bytes>}), on the thread that queues it: for the upgrade request that is the pool's
 * own connecting thread, and the request carries the URI's query and every upgrade header (an {@code Authorization}
 * token, a header supplier's credentials). Whatever the application's logging configuration, those bytes must never
 * reach a logger. So this draft encodes no client request for the engine ({@link #createHandshake(Handshakedata,
 * boolean)} gives it nothing to write, so nothing is logged), and the transport puts the request on the engine's
 * out queue itself, from the engine's {@code onWebsocketHandshakeSentAsClient} callback, with
 * {@link #queueUpgradeRequest}. The engine still keeps the request (its key, the subprotocols offered) to check the
 * server's answer. A transport that forgot the callback would send no request and time out: it fails closed.
 */
public final class BoundedDraft extends Draft_6455 {

    private static final Logger log = LoggerFactory.getLogger(BoundedDraft.class);

    /**
     * The most bytes a server may send before its opening-handshake response is complete (a real one is well under
     * 8 KiB). Java-WebSocket's engine buffers an incomplete response without bound, copying it whole on every read;
     * the selector transport refuses a response that passes this, and so does the thread-per-connection transport
     * on {@code ws://} (its {@code wss://} sockets come from the TLS socket factory, unbounded).
     */
    public static final int MAX_HANDSHAKE_RESPONSE_BYTES = 64 * 1024;

    private static final Pattern REJECTED_STATUS =
            Pattern.compile("Invalid status code received: (\\d{3}) Status line: (.*)");

    /** What a frame with a partial header measures ({@link #frameSize}). */
    private static final long INCOMPLETE = -1;
    /** The first buffer for a frame's first bytes, unless fewer are needed; it grows as more arrive. */
    static final int INITIAL_HOLD = 4096;

    private final int maxMessageSize;
    private final List<String> subprotocols;
    private final CompressionOptions compression;
    /** Whether the message being read is compressed (its first frame had RSV1); the reading thread only. */
    private boolean compressedMessage;
    /** What the compressed message being read has inflated to so far; the reading thread only. */
    private long inflatedBytes;
    /** Whether a fragmented message is being translated (its first frame seen, not its last); the reading thread only. */
    private boolean translatingFragments;
    private long fragmentedBytes; // bytes of the fragmented message being assembled; touched by the reading thread only
    /** The first bytes of a frame still arriving (write mode), or {@code null}; the reading thread only. */
    private ByteBuffer partial;
    /** That frame's whole size once its header is complete, else {@link #INCOMPLETE}. */
    private long partialSize = INCOMPLETE;

    /**
     * @param maxMessageSize the largest message accepted, in bytes, however it is fragmented
     * @param subprotocols   the subprotocols to request, in order of preference; may be empty
     */
    public BoundedDraft(int maxMessageSize, List<String> subprotocols) {
        this(maxMessageSize, subprotocols, CompressionOptions.OFF);
    }

    /**
     * @param maxMessageSize the largest message accepted, in bytes, however it is fragmented or compressed
     * @param subprotocols   the subprotocols to request, in order of preference; may be empty
     * @param compression    whether to offer permessage-deflate, and how ({@link PerMessageDeflate})
     */
    public BoundedDraft(int maxMessageSize, List<String> subprotocols, CompressionOptions compression) {
        super(compression.enabled() ? List.of(new PerMessageDeflate(compression, maxMessageSize))
                        : Collections.emptyList(),
                protocols(subprotocols), maxMessageSize);
        this.maxMessageSize = maxMessageSize;
        this.subprotocols = List.copyOf(subprotocols);
        this.compression = compression;
    }

    // ------------------------------------------------------------------------------------------------ writing frames

    /** Told the encoded frame of a tracked send before the engine queues it. */
    @FunctionalInterface
    public interface FrameSink {
        /**
         * @param frame    the encoded frame, as it will sit in the engine's out queue
         * @param callback the callback given to {@link #captureNext}
         */
        void frameCreated(ByteBuffer frame, Object callback);
    }

    /** The thread whose next frame is tracked, or {@code null}; set and cleared by that thread only. */
    private volatile Thread capturing;
    private Object captureCallback; // written before, read after the volatile capturing on the same thread
    private FrameSink frameSink;

    /**
     * Sets where tracked frames are reported. Once, before the engine sends anything.
     *
     * @param sink told each tracked frame
     */
    public void frameSink(FrameSink sink) {
        this.frameSink = sink;
    }

    /**
     * Tracks the next frame this thread encodes (the engine encodes a message's single frame, then queues it): the
     * sink hears of it before it is queued, so that the writer, which may write it before {@code send} returns, can
     * match it. The caller clears the capture with {@link #endCapture()} whatever happens.
     *
     * @param callback passed to the sink with the frame
     */
    public void captureNext(Object callback) {
        captureCallback = callback;
        capturing = Thread.currentThread();
    }

    /** Ends a capture started by {@link #captureNext} on this thread (a no-op if the frame was encoded). */
    public void endCapture() {
        if (capturing != null) {
            capturing = null;
        }
        captureCallback = null;
    }

    /**
     * A frame as the library encodes it, except a client's, masked by {@link FrameCodec#encodeMasked} (eight bytes
     * at a time, a key from {@code ThreadLocalRandom}) instead of byte by byte with a shared {@code SecureRandom}.
     */
    @Override
    public ByteBuffer createBinaryFrame(Framedata framedata) {
        ByteBuffer frame;
        if (getRole() == Role.CLIENT) {
            getExtension().encodeFrame(framedata);
            frame = FrameCodec.encodeMasked(framedata);
        } else {
            frame = super.createBinaryFrame(framedata);
        }
        if (capturing == Thread.currentThread()) { // only this thread can have set it to itself
            capturing = null;
            frameSink.frameCreated(frame, captureCallback);
        }
        return frame;
    }

    /**
     * A text message's frame, as the library makes it but without checking that the bytes {@link String#getBytes}
     * just encoded are UTF-8 (they are: an unpaired surrogate is encoded as {@code '?'}), a pass over every message.
     */
    @Override
    public List<Framedata> createFrames(String text, boolean mask) {
        TextFrame frame = new TextFrame();
        frame.setPayload(ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)));
        frame.setTransferemasked(mask);
        return Collections.singletonList(frame);
    }

    /**
     * Whether an encoded client frame carries a message (text, binary or continuation), not a control frame or the
     * upgrade request.
     *
     * @param frame an encoded frame from the engine's out queue
     * @return whether it is a data frame
     */
    public static boolean isDataFrame(ByteBuffer frame) {
        return frame.limit() > 0 && (frame.get(0) & 0x0F) <= 2; // the upgrade request starts with 'G': opcode 7
    }

    private static List<IProtocol> protocols(List<String> requested) {
        List<IProtocol> list = new ArrayList<>(requested.size() + 1);
        for (String p : requested) {
            list.add(new Protocol(p));
        }
        list.add(new Protocol("")); // accepts any answer; the transport checks it
        return list;
    }

    // ------------------------------------------------------------------------------------------------ reading frames

    /**
     * Splits what arrived into frames. Complete frames are translated by the library, several at a time; the first
     * bytes of a frame still arriving are held here, in a buffer that grows with what has arrived
     * ({@link #hold}), instead of the library's, which allocates the whole declared length up front: a server
     * declaring 1 MiB and sending 10 bytes would cost the client 1 MiB per connection. Each frame's header is
     * checked as soon as it is complete, before anything is held for its payload: a declared length over the limit
     * (1009), a masked frame (a server must not mask, RFC 6455 5.1), an unknown opcode or a control frame over 125
     * bytes (1002). A frame that breaks the protocol, here or in the library's checks once complete (reserved bits
     * without an extension, an invalid close code, ...), is answered by a {@link Refusal} in its place: the frames
     * before it are processed, then the connection fails, and nothing after it is looked at.
     */
    @Override
    public List<Framedata> translateFrame(ByteBuffer buffer) throws InvalidDataException {
        ReadFrames read = ReadFrames.begin(); // the reading thread's list, not this connection's (see there)
        ArrayList<Framedata> frames = read.frames;
        ByteBuffer held = partial; // one read and one write of the field: a concurrent reset() cannot break this
        long heldSize = partialSize;
        if (held != null) {
            // the frame begun in an earlier read: its header, then its payload, as far as this read goes
            while (true) {
                if (heldSize == INCOMPLETE) {
                    try {
                        heldSize = frameSize(held, 0, held.position());
                    } catch (InvalidDataException e) {
                        return refuse(frames, e, buffer);
                    }
                }
                long want = heldSize == INCOMPLETE ? headerLength(held, 0, held.position()) : heldSize;
                held = hold(held, buffer, (int) Math.min(buffer.remaining(), want - held.position()), want);
                if (held.position() < want) {
                    partial = held;
                    partialSize = heldSize;
                    return frames; // all of this read is held
                }
                if (heldSize != INCOMPLETE) {
                    break; // complete
                }
            }
            partial = null;
            partialSize = INCOMPLETE;
            held.flip();
            if (!translateComplete(held, held.limit(), read)) {
                buffer.position(buffer.limit());
                return frames;
            }
        }
        int end = buffer.position();
        int limit = buffer.limit();
        long size = INCOMPLETE;
        InvalidDataException refused = null;
        while (end < limit) {
            try {
                size = frameSize(buffer, end, limit - end);
            } catch (InvalidDataException e) {
                refused = e;
                break;
            }
            if (size == INCOMPLETE || size > limit - end) {
                break;
            }
            end += (int) size;
        }
        if (!translateComplete(buffer, end, read)) {
            buffer.position(limit);
            return frames;
        }
        if (refused != null) {
            return refuse(frames, refused, buffer);
        }
        if (end < limit) {
            long want = size == INCOMPLETE ? headerLength(buffer, end, limit - end) : size;
            ByteBuffer first = ByteBuffer.allocate((int) Math.min(want, Math.max(limit - end, INITIAL_HOLD)));
            partial = hold(first, buffer, limit - end, want);
            partialSize = size;
        }
        return frames;
    }

    /** Adds a {@link Refusal} for {@code e} after {@code frames} and drops the rest of the read. */
    private List<Framedata> refuse(List<Framedata> frames, InvalidDataException e, ByteBuffer buffer) {
        partial = null;
        partialSize = INCOMPLETE;
        buffer.position(buffer.limit());
        frames.add(new Refusal(e));
        return frames;
    }

    /**
     * Translates the complete frames from {@code buffer}'s position to {@code end}, one by one: here
     * ({@link #translateOne}), or with permessage-deflate negotiated by the library, each inflated in turn
     * ({@link #inflateRest}: the inflater's stream follows the frames' order). A frame that breaks the protocol is
     * followed by a {@link Refusal}, and nothing after it is translated.
     *
     * @return {@code false} if a frame was refused (nothing after it may be read)
     */
    private boolean translateComplete(ByteBuffer buffer, int end, ReadFrames read) throws InvalidDataException {
        List<Framedata> frames = read.frames;
        int start = buffer.position();
        if (start == end) {
            return true;
        }
        int limit = buffer.limit();
        buffer.limit(end);
        try {
            if (!(getExtension() instanceof PerMessageDeflate)) {
                while (buffer.position() < end) {
                    int at = buffer.position();
                    int size = (int) frameSize(buffer, at, end - at); // complete, and checked when it was found
                    try {
                        frames.add(translateOne(buffer, at, size, read));
                    } catch (InvalidDataException refused) {
                        frames.add(new Refusal(refused));
                        return false;
                    }
                    buffer.position(at + size);
                }
                return true;
            }
            while (buffer.position() < end) {
                buffer.limit(end);
                buffer.limit(buffer.position() + (int) frameSize(buffer, buffer.position(), end - buffer.position()));
                try {
                    for (Framedata frame : super.translateFrame(buffer)) {
                        frames.add(inflateRest(frame));
                    }
                } catch (InvalidDataException refused) {
                    frames.add(new Refusal(refused));
                    return false;
                }
            }
            return true;
        } finally {
            buffer.limit(limit);
        }
    }

    /**
     * Translates one complete frame, its header already checked by {@link #frameSize}, as {@code Draft_6455} would
     * without an extension, but for text: a whole unfragmented text message is decoded at once from the bytes read
     * ({@link FrameCodec.DecodedText}), and a text frame that starts a fragmented message is not checked for UTF-8
     * on its own (a character may straddle two fragments): the library checks the assembled message, strictly.
     */
    private Framedata translateOne(ByteBuffer buffer, int at, int size, ReadFrames read) throws InvalidDataException {
        int b0 = buffer.get(at) & 0xff;
        boolean fin = (b0 & 0x80) != 0;
        int opcode = b0 & 0x0f;
        int header = headerLength(buffer, at, size);
        int length = size - header;
        boolean fragmentsBefore = translatingFragments;
        if (opcode == 0 && fin) {
            translatingFragments = false;
        } else if ((opcode == 1 || opcode == 2) && !fin) {
            translatingFragments = true;
        }
        if (opcode == 1 && fin && (b0 & 0x70) == 0 && !fragmentsBefore) {
            return read.decodedText(FrameCodec.utf8(buffer, at + header, length));
        }
        ByteBuffer payload = ByteBuffer.allocate(length);
        payload.put(0, buffer, at + header, length);
        FramedataImpl1 frame = FramedataImpl1.get(FrameCodec.opcode(opcode));
        frame.setFin(fin);
        frame.setRSV1((b0 & 0x40) != 0);
        frame.setRSV2((b0 & 0x20) != 0);
        frame.setRSV3((b0 & 0x10) != 0);
        frame.setPayload(payload);
        getExtension().isFrameValid(frame); // none negotiated: reserved bits must be clear
        if (opcode != 1) {
            frame.isValid();
        }
        return frame;
    }

    /**
     * With permessage-deflate negotiated, inflates a continuation frame of a compressed message, as soon as it is
     * translated. The message's first frame was inflated by the extension ({@link PerMessageDeflate#decodeFrame}),
     * before the library checks a text frame's UTF-8; its continuation frames are inflated here, because the library
     * hands a continuation frame to the extension only if no control frame came between it and the first one.
     * Each frame may inflate to what is left of the max message size, no more.
     */
    private Framedata inflateRest(Framedata frame) throws InvalidDataException {
        if (!(getExtension() instanceof PerMessageDeflate deflate)) {
            return frame;
        }
        Opcode op = frame.getOpcode();
        if (op == Opcode.TEXT || op == Opcode.BINARY) {
            compressedMessage = frame.isRSV1();
            inflatedBytes = frame.getPayloadData().remaining();
        } else if (op == Opcode.CONTINUOUS && compressedMessage) {
            ByteBuffer inflated = deflate.inflate(frame.getPayloadData(), frame.isFin(), maxMessageSize - inflatedBytes);
            inflatedBytes += inflated.remaining();
            ((FramedataImpl1) frame).setPayload(inflated);
        }
        return frame;
    }

    /**
     * Copies {@code count} bytes from {@code src} behind what {@code held} holds, growing it if need be: to twice
     * its size, or what is needed if more, but never beyond the frame's {@code want} bytes. So a frame costs about
     * what has arrived of it, and a large one arriving in many reads is copied a logarithmic number of times.
     */
    private static ByteBuffer hold(ByteBuffer held, ByteBuffer src, int count, long want) {
        ByteBuffer into = held;
        if (into.remaining() < count) {
            long grown = Math.min(want, Math.max((long) into.position() + count,
                    Math.max(2L * into.capacity(), INITIAL_HOLD)));
            into = ByteBuffer.allocate((int) grown);
            held.flip();
            into.put(held);
        }
        into.put(into.position(), src, src.position(), count);
        into.position(into.position() + count);
        src.position(src.position() + count);
        return into;
    }

    /** How long the header of the frame at {@code at} is (without a mask key: a masked frame is refused). */
    private static int headerLength(ByteBuffer b, int at, int available) {
        if (available < 2) {
            return 2;
        }
        int len7 = b.get(at + 1) & 0x7f;
        return len7 < 126 ? 2 : len7 == 126 ? 4 : 10;
    }

    /**
     * The size of the frame at {@code at} (header, payload), read from its header.
     *
     * @param available bytes from {@code at} on
     * @return the size, or {@link #INCOMPLETE} if fewer than the header's bytes are available
     * @throws InvalidDataException if the header alone breaks the protocol or the size limit
     */
    private long frameSize(ByteBuffer b, int at, int available) throws InvalidDataException {
        if (available < 2) {
            return INCOMPLETE;
        }
        int b0 = b.get(at) & 0xff;
        int b1 = b.get(at + 1) & 0xff;
        int opcode = b0 & 0x0f;
        if (opcode > 2 && (opcode < 8 || opcode > 10)) {
            throw new InvalidFrameException("Unknown opcode " + opcode);
        }
        if ((b1 & 0x80) != 0) {
            throw new InvalidFrameException("the server sent a masked frame (a server must not mask, RFC 6455 5.1)");
        }
        int header = headerLength(b, at, available);
        int len7 = b1 & 0x7f;
        if (len7 >= 126 && opcode >= 8) {
            throw new InvalidFrameException("a control frame declared more than 125 bytes");
        }
        if (available < header) {
            return INCOMPLETE;
        }
        long length = 0;
        for (int i = 2; i < header; i++) {
            length = length << 8 | (b.get(at + i) & 0xff);
        }
        if (header == 2) {
            length = len7;
        }
        if (length < 0 || length > getMaxFrameSize()) {
            throw new LimitExceededException("a frame declared " + Long.toUnsignedString(length) + " bytes, more than "
                    + getMaxFrameSize() + " (maxMessageSize)", getMaxFrameSize());
        }
        return header + length;
    }

    /**
     * Stands in the list of frames for the frame that broke the protocol: {@link #processFrame} throws its cause,
     * after the frames before it have been processed.
     */
    private static final class Refusal extends FramedataImpl1 {
        private final InvalidDataException cause;

        Refusal(InvalidDataException cause) {
            super(Opcode.CONTINUOUS);
            this.cause = cause;
        }

        @Override
        public void isValid() {
            // never sent
        }

        @Override
        public String toString() {
            return "Refusal[" + cause.getMessage() + "]";
        }
    }

    @Override
    public void processFrame(WebSocketImpl webSocketImpl, Framedata frame) throws InvalidDataException {
        ReadFrames.letGo(frame); // first: a frame that fails here is processed too
        if (frame instanceof Refusal refusal) {
            throw refusal.cause;
        }
        if (frame instanceof FrameCodec.DecodedText decoded) {
            String text = decoded.text;
            decoded.text = null;
            try {
                webSocketImpl.getWebSocketListener().onWebsocketMessage(webSocketImpl, text);
            } catch (RuntimeException e) { // as the library treats a listener's exception
                log.error("Runtime exception during onWebsocketMessage", e);
                webSocketImpl.getWebSocketListener().onWebsocketError(webSocketImpl, e);
            }
            return;
        }
        Opcode op = frame.getOpcode();
        if (op == Opcode.CONTINUOUS || (!frame.isFin() && (op == Opcode.TEXT || op == Opcode.BINARY))) {
            long total = (op == Opcode.CONTINUOUS ? fragmentedBytes : 0) + frame.getPayloadData().remaining();
            if (total > maxMessageSize) {
                fragmentedBytes = 0;
                throw new LimitExceededException("a fragmented message exceeded " + maxMessageSize
                        + " bytes (maxMessageSize)", maxMessageSize);
            }
            fragmentedBytes = frame.isFin() ? 0 : total;
        }
        super.processFrame(webSocketImpl, frame);
    }

    /**
     * Why a handshake response was refused after {@code bytes} bytes (over {@link #MAX_HANDSHAKE_RESPONSE_BYTES}).
     *
     * @param bytes how many bytes the server had sent
     * @return the message for the connect's failure
     */
    public static String handshakeResponseTooLong(long bytes) {
        return "the server sent " + bytes + " bytes without completing its handshake response (at most "
                + MAX_HANDSHAKE_RESPONSE_BYTES + ")";
    }

    /**
     * Turns Java-WebSocket's close reason for a refused upgrade ("Invalid status code received: 401 Status line: …")
     * into a typed failure that carries the HTTP status; any other reason leaves {@code error} as it is. Shared by
     * both transports, which drive the same engine.
     *
     * @param uri    the endpoint
     * @param reason the engine's close reason
     * @param error  the error reported so far, or {@code null}
     * @return an {@link EndpointConnectException} for a refused upgrade, else {@code error}
     */
    public static Throwable upgradeRejection(URI uri, String reason, Throwable error) {
        if (!reason.contains("Invalid status code received: ")) {
            return error; // every ordinary close: no matcher made for it
        }
        Matcher m = REJECTED_STATUS.matcher(reason);
        if (m.find()) {
            return new EndpointConnectException(uri, "server rejected the WebSocket upgrade with " + m.group(2).trim(),
                    Integer.parseInt(m.group(1)), error);
        }
        return error;
    }

    /**
     * Checks what the server agreed to, once the library has completed the handshake; the one check of both
     * transports. First its permessage-deflate answer, if compression was offered and the server took it
     * ({@link PerMessageDeflate#problem()}: a parameter not offered, a window size out of range), then the
     * subprotocol it selected. An answer {@link TransportOptions#subprotocolProblem(String)} accepts gives the
     * subprotocol, trimmed ({@code ""} for none). Any other fails the WebSocket connection as RFC 6455 (4.1, 9.1) and
     * RFC 7692 (7.1) ask: {@code failure} is given the connect's failure, then a close with 1002 is started on
     * {@code connection}, whose close then reports that failure.
     *
     * @param response   the server's handshake response ({@code Sec-WebSocket-Protocol} is read from it)
     * @param options    the connection's options
     * @param uri        the endpoint, for the failure
     * @param connection the connection to close if the answer is refused
     * @param failure    receives the failure, before the close starts
     * @return the accepted subprotocol, or {@code null} if the answer was refused and the connection is closing
     */
    public static String acceptHandshakeAnswer(Handshakedata response, TransportOptions options, URI uri,
                                               WebSocket connection,
                                               Consumer<? super EndpointConnectException> failure) {
        if (connection instanceof WebSocketImpl engine && engine.getDraft() instanceof Draft_6455 draft
                && draft.getExtension() instanceof PerMessageDeflate deflate && deflate.problem() != null) {
            failure.accept(new EndpointConnectException(uri, "permessage-deflate refused: " + deflate.problem(), 0,
                    null));
            connection.close(1002, "extension answer not acceptable");
            return null;
        }
        String selected = response.getFieldValue("Sec-WebSocket-Protocol");
        String problem = options.subprotocolProblem(selected);
        if (problem != null) {
            failure.accept(new EndpointConnectException(uri, problem, 0, null));
            connection.close(1002, "subprotocol not acceptable");
            return null;
        }
        return selected == null ? "" : selected.trim();
    }

    // ------------------------------------------------------------------------------------------------ upgrade request

    /**
     * Nothing for a client's upgrade request (see the class comment: the transport queues it with
     * {@link #queueUpgradeRequest}, past the engine's TRACE log of every write); anything else as the library encodes
     * it.
     */
    @Override
    public List<ByteBuffer> createHandshake(Handshakedata handshakedata, boolean withcontent) {
        if (handshakedata instanceof ClientHandshake) {
            return Collections.emptyList();
        }
        return super.createHandshake(handshakedata, withcontent);
    }

    /**
     * Puts the upgrade request on the engine's out queue without going through its logging {@code write}, and
     * returns. To be called from the engine's {@code onWebsocketHandshakeSentAsClient} callback, with the request
     * the draft has completed (key, version, subprotocols), before anything else is queued; the caller then asks for
     * a flush as the engine's {@code onWriteDemand} would. The bytes are those the library would have written: the
     * request line, every header in order, a blank line, in US-ASCII. They are never logged, nor is anything derived
     * from them.
     *
     * @param connection the engine ({@link WebSocketImpl}) whose out queue gets the request
     * @param request    the completed request
     */
    public static void queueUpgradeRequest(WebSocket connection, ClientHandshake request) {
        StringBuilder head = new StringBuilder(256);
        head.append("GET ").append(request.getResourceDescriptor()).append(" HTTP/1.1\r\n");
        for (Iterator<String> it = request.iterateHttpFields(); it.hasNext(); ) {
            String name = it.next();
            head.append(name).append(": ").append(request.getFieldValue(name)).append("\r\n");
        }
        head.append("\r\n");
        byte[] bytes = head.toString().getBytes(StandardCharsets.US_ASCII);
        ((WebSocketImpl) connection).outQueue.add(ByteBuffer.wrap(bytes)); // array offset 0: both writers need it
    }

    @Override
    public void reset() {
        fragmentedBytes = 0;
        translatingFragments = false;
        compressedMessage = false;
        inflatedBytes = 0;
        partial = null;
        partialSize = INCOMPLETE;
        super.reset();
    }

    @Override
    public Draft copyInstance() {
        BoundedDraft copy = new BoundedDraft(maxMessageSize, subprotocols, compression);
        copy.frameSink = frameSink;
        return copy;
    }
}
