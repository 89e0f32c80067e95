package io.github.wspool.testkit;

import java.time.Duration;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Awaitility's defaults for every test class (registered by JUnit's extension auto-detection, see
 * {@code junit-platform.properties}): the first check at once and then every 10 ms, instead of after 100 ms and every
 * 100 ms. A condition that already holds costs nothing, and a loop of short waits does not spend a tenth of a second
 * on each. Only how often a condition is polled changes: every wait keeps its own {@code atMost}. Modules that get
 * this class through pool-core's test-jar without Awaitility on their test path are left alone.
 */
public final class FastAwaitility implements BeforeAllCallback {

    @Override
    public void beforeAll(ExtensionContext context) {
        try {
            Awaitility.setDefaultPollDelay(Duration.ZERO);
            Awaitility.setDefaultPollInterval(Duration.ofMillis(10));
        } catch (NoClassDefFoundError noAwaitility) {
            // a module whose tests use this test-jar without Awaitility (benchmarks): nothing to set
        }
    }
}
