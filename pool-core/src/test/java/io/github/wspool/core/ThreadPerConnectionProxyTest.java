package io.github.wspool.core;

/** {@link ProxyTest} on the thread-per-connection transport (Java-WebSocket's client); the base runs the default. */
class ThreadPerConnectionProxyTest extends ProxyTest {

    @Override
    WebSocketPoolBuilder pools() {
        return super.pools().threadPerConnectionTransport();
    }
}
