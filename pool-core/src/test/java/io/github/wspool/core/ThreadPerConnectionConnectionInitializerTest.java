package io.github.wspool.core;

/** {@link ConnectionInitializerTest} on the thread-per-connection transport (Java-WebSocket's client); the base runs the default. */
class ThreadPerConnectionConnectionInitializerTest extends ConnectionInitializerTest {

    @Override
    WebSocketPoolBuilder pools() {
        return super.pools().threadPerConnectionTransport();
    }
}
