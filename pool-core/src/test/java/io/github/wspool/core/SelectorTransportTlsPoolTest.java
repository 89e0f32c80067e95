package io.github.wspool.core;

/** {@link TlsTest} on the shared-selector transport, with two selector threads. */
class SelectorTransportTlsPoolTest extends TlsTest {

    @Override
    WebSocketPoolBuilder pools() {
        return super.pools().sharedSelectorTransport(2);
    }
}
