package io.github.wspool.core.internal.messaging;

/** Sizes of client WebSocket frames on the wire, for the outgoing-buffer bound. */
final class WireSize {

    private WireSize() {
    }

    /**
     * The UTF-8 length of {@code s} without encoding it. An unpaired surrogate counts 3 bytes although Java's encoder
     * writes it as one {@code ?}: an over-estimate, which is what a buffer bound needs.
     */
    static long utf8Length(String s) {
        int n = s.length();
        long bytes = n;
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c >= 0x80) {
                if (c < 0x800) {
                    bytes += 1;
                } else if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
                    bytes += 2; // 4 bytes for the pair of 2 chars
                    i++;
                } else {
                    bytes += 2;
                }
            }
        }
        return bytes;
    }

    /** A masked (client-to-server) frame carrying {@code payload} bytes: 2 header bytes, extended length, 4 mask. */
    static long clientFrame(long payload) {
        return payload + 6 + (payload > 65_535 ? 8 : payload > 125 ? 2 : 0);
    }
}
