package io.github.wspool.core;

/** {@link SecretsNeverLeakTest} on the selector transport, with two selector threads. */
class SelectorTransportSecretsNeverLeakTest extends SecretsNeverLeakTest {

    @Override
    WebSocketPoolBuilder pools() {
        return super.pools().sharedSelectorTransport(2);
    }
}
