package io.github.wspool.core;

/** {@link CompressionTest} on the thread-per-connection transport (Java-WebSocket's {@code WebSocketClient}). */
class ThreadPerConnectionCompressionTest extends CompressionTest {

    @Override
    WebSocketPoolBuilder pools() {
        return WebSocketPools.builder().threadPerConnectionTransport();
    }
}
