package io.github.wspool.core;

/** {@link MessagingIntegrationTest} on the thread-per-connection transport (Java-WebSocket's client); the base runs the default. */
class ThreadPerConnectionMessagingIntegrationTest extends MessagingIntegrationTest {

    @Override
    WebSocketPoolBuilder pools() {
        return super.pools().threadPerConnectionTransport();
    }
}
