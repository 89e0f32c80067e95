package io.github.wspool.core.internal.concurrent;

import io.github.wspool.core.Ticker;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/**
 * A {@link Clock} that reads the pool's {@link Ticker}, so that the endpoint circuit breakers' open-state waits run
 * on the same (possibly fake) time as everything else in the pool (through
 * {@code CircuitBreakerConfig.Builder.clock}). Only differences between instants mean anything.
 */
public final class TickerClock extends Clock {

    private static final Instant ORIGIN = Instant.ofEpochSecond(1_000_000_000L);

    private final Ticker ticker;
    private final long base;

    /**
     * @param ticker the pool's time source
     */
    public TickerClock(Ticker ticker) {
        this.ticker = ticker;
        this.base = ticker.read();
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        return this;
    }

    @Override
    public Instant instant() {
        return ORIGIN.plusNanos(ticker.read() - base);
    }

    @Override
    public long millis() {
        return instant().toEpochMilli();
    }
}
