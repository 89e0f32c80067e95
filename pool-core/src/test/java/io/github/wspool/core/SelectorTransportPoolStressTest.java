package io.github.wspool.core;

import io.github.wspool.core.internal.SelectorTransport;
import io.github.wspool.core.spi.Transport;

/** {@link PoolStressTest} with its real-socket case on the selector transport, with two selector threads. */
class SelectorTransportPoolStressTest extends PoolStressTest {

    @Override
    Transport networkTransport() {
        return new SelectorTransport(2);
    }
}
