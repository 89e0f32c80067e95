package io.github.wspool.core;

/** {@link HandshakeAuthTest} on the thread-per-connection transport (Java-WebSocket's client); the base runs the default. */
class ThreadPerConnectionHandshakeAuthTest extends HandshakeAuthTest {

    @Override
    WebSocketPoolBuilder pools() {
        return super.pools().threadPerConnectionTransport();
    }
}
