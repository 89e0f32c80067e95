package io.github.wspool.core;

import io.github.wspool.core.internal.transport.AddressResolver;
import io.github.wspool.core.internal.transport.jws.JavaWebSocketTransport;
import io.github.wspool.core.spi.Transport;

/** {@link HostileServerTest} on the thread-per-connection transport (Java-WebSocket's client); the base runs the default. */
class ThreadPerConnectionHostileServerTest extends HostileServerTest {

    @Override
    WebSocketPoolBuilder pools() {
        return super.pools().threadPerConnectionTransport();
    }

    @Override
    Transport transport(String pool, AddressResolver resolver) {
        return new JavaWebSocketTransport(pool, resolver);
    }
}
