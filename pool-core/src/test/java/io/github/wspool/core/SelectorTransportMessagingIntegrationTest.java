package io.github.wspool.core;

/** {@link MessagingIntegrationTest} on the selector transport, with two selector threads. */
class SelectorTransportMessagingIntegrationTest extends MessagingIntegrationTest {

    @Override
    WebSocketPoolBuilder pools() {
        return super.pools().sharedSelectorTransport(2);
    }
}
