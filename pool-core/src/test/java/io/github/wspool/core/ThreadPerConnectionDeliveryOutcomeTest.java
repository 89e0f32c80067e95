package io.github.wspool.core;

/**
 * {@link DeliveryOutcomeTest} on the thread-per-connection transport (Java-WebSocket's client); the base runs the
 * default.
 */
class ThreadPerConnectionDeliveryOutcomeTest extends DeliveryOutcomeTest {

    @Override
    WebSocketPoolBuilder pools() {
        return super.pools().threadPerConnectionTransport();
    }

    /** Each frame is written through the TLS socket whole: written means all its bytes were. */
    @Override
    boolean exactOverTls() {
        return true;
    }
}
