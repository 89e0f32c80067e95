package io.github.wspool.core;

/** {@link HostileServerTest} on the shared-selector transport, with two selector threads. */
class SelectorTransportHostileServerTest extends HostileServerTest {

    @Override
    WebSocketPoolBuilder pools() {
        return super.pools().sharedSelectorTransport(2);
    }

}
