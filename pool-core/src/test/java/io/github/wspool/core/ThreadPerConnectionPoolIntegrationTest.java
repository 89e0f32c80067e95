package io.github.wspool.core;

/** {@link PoolIntegrationTest} on the thread-per-connection transport (Java-WebSocket's client); the base runs the default. */
class ThreadPerConnectionPoolIntegrationTest extends PoolIntegrationTest {

    @Override
    WebSocketPoolBuilder pools() {
        return super.pools().threadPerConnectionTransport();
    }
}
