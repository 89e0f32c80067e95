package io.github.wspool.core;

/** {@link MessagingIntegrationTest} on the thread-per-connection transport (Java-WebSocket's client); the base runs the default. */
class ThreadPerConnectionMessagingIntegrationTest extends MessagingIntegrationTest {

    /** The connection's own I/O thread: a stage that blocks there holds up only its own connection. */
    @Override
    String defaultCompletionThread() {
        return "io-";
    }

    @Override
    WebSocketPoolBuilder pools() {
        return super.pools().threadPerConnectionTransport();
    }
}
