package io.github.wspool.core;

/** {@link EndpointHealthCheckTest} on the selector transport, with two selector threads. */
class SelectorTransportEndpointHealthCheckTest extends EndpointHealthCheckTest {

    @Override
    WebSocketPoolBuilder pools() {
        return super.pools().sharedSelectorTransport(2);
    }
}
