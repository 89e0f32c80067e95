package io.github.wspool.core;

/** {@link SecretsNeverLeakTest} on the thread-per-connection transport (Java-WebSocket's client); the base runs the default. */
class ThreadPerConnectionSecretsNeverLeakTest extends SecretsNeverLeakTest {

    @Override
    WebSocketPoolBuilder pools() {
        return super.pools().threadPerConnectionTransport();
    }
}
