package io.github.wspool.core;

/** {@link MultiEndpointTest} on the selector transport, with two selector threads. */
class SelectorTransportMultiEndpointTest extends MultiEndpointTest {

    @Override
    WebSocketPoolBuilder pools() {
        return super.pools().sharedSelectorTransport(2);
    }
}
