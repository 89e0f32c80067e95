package io.github.wspool.core.spi;

import java.util.zip.Deflater;

/**
 * Whether and how a connection negotiates permessage-deflate (RFC 7692) with its server.
 *
 * <p>What the client offers: {@code permessage-deflate; client_no_context_takeover}, plus
 * {@code server_no_context_takeover} and {@code server_max_window_bits=N} when asked for here. The server may decline
 * (the connection then runs uncompressed) or accept; an answer that breaks RFC 7692 (a parameter not offered, a window
 * size out of range) fails the connect with a message naming the parameter.
 *
 * <ul>
 *   <li><b>Outbound</b> (client to server): a text or binary message of at least {@code threshold} bytes is
 *       compressed on its own, with no context kept between messages ({@code client_no_context_takeover}, always
 *       offered), so any number of threads may send on one connection at once and a connection keeps no deflater:
 *       deflaters are borrowed from a small pool shared by the JVM. A message that does not shrink is sent as
 *       it is. {@code client_max_window_bits} is never offered: {@link Deflater} has one window size (32 KiB).</li>
 *   <li><b>Inbound</b> (server to client): a compressed message is inflated as it is read, never past the
 *       connection's {@code maxMessageSize} (a message that would inflate further is refused with close code 1009,
 *       whatever its compressed size, so a "zip bomb" costs at most that many bytes). Unless the server agreed to
 *       {@code server_no_context_takeover}, the server may refer back to earlier messages, so each connection keeps an
 *       inflater (about 40 KiB of native memory, made on its first compressed message); with it, inflaters are
 *       borrowed per message from the shared pool and an idle connection keeps none.</li>
 * </ul>
 *
 * @param enabled                 whether to offer the extension at all
 * @param threshold               outbound messages shorter than this many bytes are sent uncompressed (0 compresses
 *                                all)
 * @param serverNoContextTakeover whether to ask the server to compress each message on its own (less memory here,
 *                                less compression for small similar messages)
 * @param serverMaxWindowBits     8..15 to ask the server for a smaller LZ77 window ({@code server_max_window_bits}),
 *                                or 0 not to ask
 * @param level                   the deflate level for outbound messages, 0..9 or -1 for zlib's default (6)
 */
public record CompressionOptions(boolean enabled, int threshold, boolean serverNoContextTakeover,
                                 int serverMaxWindowBits, int level) {

    /** No compression offered (the default). */
    public static final CompressionOptions OFF = new CompressionOptions(false, 1024, false, 0, Deflater.DEFAULT_COMPRESSION);

    /**
     * permessage-deflate offered with the defaults: outbound messages of 1 KiB and more compressed at zlib's default
     * level, the server free to keep its context (best compression for a stream of similar messages), no window
     * limit asked for.
     */
    public static final CompressionOptions DEFAULT = new CompressionOptions(true, 1024, false, 0,
            Deflater.DEFAULT_COMPRESSION);

    /**
     * Validates.
     *
     * @param enabled                 see above
     * @param threshold               at least 0
     * @param serverNoContextTakeover see above
     * @param serverMaxWindowBits     0, or 8..15
     * @param level                   -1..9
     * @throws IllegalArgumentException naming the parameter and the value given
     */
    public CompressionOptions {
        if (threshold < 0) {
            throw new IllegalArgumentException("compression threshold must be at least 0 bytes, but was " + threshold);
        }
        if (serverMaxWindowBits != 0 && (serverMaxWindowBits < 8 || serverMaxWindowBits > 15)) {
            throw new IllegalArgumentException("compression serverMaxWindowBits must be 8..15 (or 0 not to ask), but was "
                    + serverMaxWindowBits);
        }
        if (level < -1 || level > 9) {
            throw new IllegalArgumentException("compression level must be 0..9 (or -1 for the default), but was "
                    + level);
        }
    }

    /**
     * These options with another threshold.
     *
     * @param bytes outbound messages shorter than this are sent uncompressed; at least 0
     * @return a copy
     */
    public CompressionOptions withThreshold(int bytes) {
        return new CompressionOptions(enabled, bytes, serverNoContextTakeover, serverMaxWindowBits, level);
    }

    /**
     * These options asking the server to compress every message on its own, or not.
     *
     * @param noContextTakeover whether to offer {@code server_no_context_takeover}
     * @return a copy
     */
    public CompressionOptions withServerNoContextTakeover(boolean noContextTakeover) {
        return new CompressionOptions(enabled, threshold, noContextTakeover, serverMaxWindowBits, level);
    }

    /**
     * These options asking the server for a smaller window.
     *
     * @param bits 8..15, or 0 not to ask
     * @return a copy
     */
    public CompressionOptions withServerMaxWindowBits(int bits) {
        return new CompressionOptions(enabled, threshold, serverNoContextTakeover, bits, level);
    }

    /**
     * These options with another deflate level for outbound messages.
     *
     * @param deflateLevel 0..9, or -1 for zlib's default
     * @return a copy
     */
    public CompressionOptions withLevel(int deflateLevel) {
        return new CompressionOptions(enabled, threshold, serverNoContextTakeover, serverMaxWindowBits, deflateLevel);
    }
}
