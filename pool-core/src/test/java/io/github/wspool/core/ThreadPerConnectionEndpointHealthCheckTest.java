package io.github.wspool.core;

/** {@link EndpointHealthCheckTest} on the thread-per-connection transport (Java-WebSocket's client); the base runs the default. */
class ThreadPerConnectionEndpointHealthCheckTest extends EndpointHealthCheckTest {

    @Override
    WebSocketPoolBuilder pools() {
        return super.pools().threadPerConnectionTransport();
    }
}
