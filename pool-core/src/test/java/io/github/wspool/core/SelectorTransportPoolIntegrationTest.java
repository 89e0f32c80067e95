package io.github.wspool.core;

/** {@link PoolIntegrationTest} on the selector transport, with two selector threads. */
class SelectorTransportPoolIntegrationTest extends PoolIntegrationTest {

    @Override
    WebSocketPoolBuilder pools() {
        return super.pools().sharedSelectorTransport(2);
    }
}
