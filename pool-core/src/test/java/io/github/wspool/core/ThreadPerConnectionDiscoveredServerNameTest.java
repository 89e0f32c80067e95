package io.github.wspool.core;

/** {@link DiscoveredServerNameTest} on the thread-per-connection transport (Java-WebSocket's client). */
class ThreadPerConnectionDiscoveredServerNameTest extends DiscoveredServerNameTest {

    @Override
    WebSocketPoolBuilder pools() {
        return super.pools().threadPerConnectionTransport();
    }
}
