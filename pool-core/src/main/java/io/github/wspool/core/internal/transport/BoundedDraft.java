package io.github.wspool.core.internal.transport;

import io.github.wspool.EndpointConnectException;
import io.github.wspool.core.spi.TransportOptions;
import java.net.URI;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.java_websocket.WebSocket;
import org.java_websocket.WebSocketImpl;
import org.java_websocket.drafts.Draft;
import org.java_websocket.drafts.Draft_6455;
import org.java_websocket.enums.Opcode;
import org.java_websocket.exceptions.InvalidDataException;
import org.java_websocket.exceptions.LimitExceededException;
import org.java_websocket.framing.Framedata;
import org.java_websocket.handshake.Handshakedata;
import org.java_websocket.protocols.IProtocol;
import org.java_websocket.protocols.Protocol;

/**
 * Java-WebSocket's RFC 6455 draft with the inbound message size bounded for whole messages, not only frames, and
 * the subprotocols the pool requests. One instance per connection (it keeps per-connection state).
 *
 * <p><b>Message size.</b> {@code Draft_6455} checks each frame against its {@code maxFrameSize} before allocating
 * it, so a frame that merely declares a huge length is refused unread. But it checks the assembled size of a
 * fragmented message only at its first and last frame: middle continuation frames pile up without bound
 * (Java-WebSocket issue #1508). This subclass counts every fragment and refuses the message as soon as its bytes so
 * far exceed the limit, with close code 1009 (message too big), before the library buffers more.
 *
 * <p><b>Subprotocols.</b> The requested ones are offered in order, followed by the empty protocol, so that a server
 * answering with none (or with one not requested) still completes the library's handshake; the transport then
 * checks the answer with {@code TransportOptions.subprotocolProblem} and fails the connect with a clear message,
 * instead of the library's "draft refuses handshake".
 */
public final class BoundedDraft extends Draft_6455 {

    /**
     * The most bytes a server may send before its opening-handshake response is complete (a real one is well under
     * 8 KiB). Java-WebSocket's engine buffers an incomplete response without bound, copying it whole on every read;
     * the selector transport refuses a response that passes this, and so does the thread-per-connection transport
     * on {@code ws://} (its {@code wss://} sockets come from the TLS socket factory, unbounded).
     */
    public static final int MAX_HANDSHAKE_RESPONSE_BYTES = 64 * 1024;

    private static final Pattern REJECTED_STATUS =
            Pattern.compile("Invalid status code received: (\\d{3}) Status line: (.*)");

    private final int maxMessageSize;
    private final List<String> subprotocols;
    private long fragmentedBytes; // bytes of the fragmented message being assembled; touched by the reading thread only

    /**
     * @param maxMessageSize the largest message accepted, in bytes, however it is fragmented
     * @param subprotocols   the subprotocols to request, in order of preference; may be empty
     */
    public BoundedDraft(int maxMessageSize, List<String> subprotocols) {
        super(Collections.emptyList(), protocols(subprotocols), maxMessageSize);
        this.maxMessageSize = maxMessageSize;
        this.subprotocols = List.copyOf(subprotocols);
    }

    private static List<IProtocol> protocols(List<String> requested) {
        List<IProtocol> list = new ArrayList<>(requested.size() + 1);
        for (String p : requested) {
            list.add(new Protocol(p));
        }
        list.add(new Protocol("")); // accepts any answer; the transport checks it
        return list;
    }

    @Override
    public void processFrame(WebSocketImpl webSocketImpl, Framedata frame) throws InvalidDataException {
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
        Matcher m = REJECTED_STATUS.matcher(reason);
        if (m.find()) {
            return new EndpointConnectException(uri, "server rejected the WebSocket upgrade with " + m.group(2).trim(),
                    Integer.parseInt(m.group(1)), error);
        }
        return error;
    }

    /**
     * Checks the subprotocol the server selected, once the library has completed the handshake; the one check of
     * both transports. An answer {@link TransportOptions#subprotocolProblem(String)} accepts gives the
     * subprotocol, trimmed ({@code ""} for none). Any other fails the WebSocket connection as RFC 6455 (4.1) asks:
     * {@code failure} is given the connect's failure, then a close with 1002 ("subprotocol not acceptable") is
     * started on {@code connection}, whose close then reports that failure.
     *
     * @param response   the server's handshake response ({@code Sec-WebSocket-Protocol} is read from it)
     * @param options    the connection's options
     * @param uri        the endpoint, for the failure
     * @param connection the connection to close if the answer is refused
     * @param failure    receives the failure, before the close starts
     * @return the accepted subprotocol, or {@code null} if the answer was refused and the connection is closing
     */
    public static String acceptSubprotocol(Handshakedata response, TransportOptions options, URI uri,
                                           WebSocket connection, Consumer<? super EndpointConnectException> failure) {
        String selected = response.getFieldValue("Sec-WebSocket-Protocol");
        String problem = options.subprotocolProblem(selected);
        if (problem != null) {
            failure.accept(new EndpointConnectException(uri, problem, 0, null));
            connection.close(1002, "subprotocol not acceptable");
            return null;
        }
        return selected == null ? "" : selected.trim();
    }

    @Override
    public void reset() {
        fragmentedBytes = 0;
        super.reset();
    }

    @Override
    public Draft copyInstance() {
        return new BoundedDraft(maxMessageSize, subprotocols);
    }
}
