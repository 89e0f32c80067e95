package io.github.wspool.core;

/** {@link BlockedHandlersTest} on the thread-per-connection transport (Java-WebSocket's client); the base runs the default. */
class ThreadPerConnectionBlockedHandlersTest extends BlockedHandlersTest {

    @Override
    WebSocketPoolBuilder pools() {
        return super.pools().threadPerConnectionTransport();
    }
}
