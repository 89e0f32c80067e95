package io.github.wspool.core;

import io.github.wspool.core.internal.transport.jws.JavaWebSocketTransport;
import io.github.wspool.core.spi.Transport;

/** {@link PoolStressTest} with its real-socket case on the thread-per-connection transport (Java-WebSocket's client). */
class ThreadPerConnectionPoolStressTest extends PoolStressTest {

    @Override
    Transport networkTransport() {
        return new JavaWebSocketTransport("stress-net");
    }
}
