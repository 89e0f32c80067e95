package io.github.wspool.core;

/** {@link FaultInjectionTest} on the selector transport, with two selector threads. */
class SelectorTransportFaultInjectionTest extends FaultInjectionTest {

    @Override
    WebSocketPoolBuilder pools() {
        return super.pools().sharedSelectorTransport(2);
    }
}
