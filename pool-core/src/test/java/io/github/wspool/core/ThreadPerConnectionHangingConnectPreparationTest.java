package io.github.wspool.core;

import io.github.wspool.core.internal.transport.AddressResolver;
import io.github.wspool.core.internal.transport.jws.JavaWebSocketTransport;
import io.github.wspool.core.spi.Transport;

/** {@link HangingConnectPreparationTest} on the thread-per-connection transport; the base runs the default. */
class ThreadPerConnectionHangingConnectPreparationTest extends HangingConnectPreparationTest {

    @Override
    WebSocketPoolBuilder pools() {
        return super.pools().threadPerConnectionTransport();
    }

    @Override
    Transport transport(String name, AddressResolver resolver) {
        return new JavaWebSocketTransport(name, resolver);
    }
}
