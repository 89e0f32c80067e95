package io.github.wspool.core;

/** {@link FaultInjectionTest} on the thread-per-connection transport (Java-WebSocket's client); the base runs the default. */
class ThreadPerConnectionFaultInjectionTest extends FaultInjectionTest {

    @Override
    WebSocketPoolBuilder pools() {
        return super.pools().threadPerConnectionTransport();
    }
}
