package io.github.wspool.core.internal.housekeeping;

import java.time.Duration;
import java.util.Objects;

/**
 * When unused and old connections go: the builder's {@code idleAfter}, {@code idleTimeout} and {@code maxLifetime}
 * (zero disables the last two), and the minimum idle eviction keeps.
 *
 * @param idleAfter      READY becomes IDLE after this long unused
 * @param idleTimeout    IDLE connections above the minimum are closed after this long unused; zero disables
 * @param maxLifetime    connections are replaced after this long, minus up to 2.5% jitter; zero disables
 * @param minConnections idle eviction never goes below this many open connections (0 without pooling)
 */
public record ExpirySettings(Duration idleAfter, Duration idleTimeout, Duration maxLifetime, int minConnections) {

    /** Checks the parts. */
    public ExpirySettings {
        Objects.requireNonNull(idleAfter, "idleAfter");
        Objects.requireNonNull(idleTimeout, "idleTimeout");
        Objects.requireNonNull(maxLifetime, "maxLifetime");
    }
}
