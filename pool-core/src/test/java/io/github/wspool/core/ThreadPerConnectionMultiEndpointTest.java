package io.github.wspool.core;

/** {@link MultiEndpointTest} on the thread-per-connection transport (Java-WebSocket's client); the base runs the default. */
class ThreadPerConnectionMultiEndpointTest extends MultiEndpointTest {

    @Override
    WebSocketPoolBuilder pools() {
        return super.pools().threadPerConnectionTransport();
    }
}
