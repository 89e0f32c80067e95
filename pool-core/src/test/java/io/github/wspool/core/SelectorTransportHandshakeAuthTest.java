package io.github.wspool.core;

/** {@link HandshakeAuthTest} on the shared-selector transport, with two selector threads. */
class SelectorTransportHandshakeAuthTest extends HandshakeAuthTest {

    @Override
    WebSocketPoolBuilder pools() {
        return super.pools().sharedSelectorTransport(2);
    }
}
