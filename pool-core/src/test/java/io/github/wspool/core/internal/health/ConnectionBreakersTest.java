package io.github.wspool.core.internal.health;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.wspool.core.internal.connection.ManagedConnection;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The connection breaker made at the first failure behaves exactly like one made when the connection opened. */
class ConnectionBreakersTest {

    private static final CircuitBreakerConfig COUNT_BASED = CircuitBreakerConfig.custom()
            .slidingWindow(20, 5, CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
            .failureRateThreshold(50).writableStackTraceEnabled(false).build();
    private static final IOException FAILURE = new IOException("send failed");

    @Test
    void noBreakerUntilTheFirstFailureAndNothingCountsBeforeOpen() {
        ConnectionBreakers breakers = new ConnectionBreakers("p", COUNT_BASED, Clock.systemUTC());
        ManagedConnection c = new ManagedConnection("c-1", null, null, 0);
        breakers.success(c);
        assertNull(breakers.failure(c, FAILURE), "a connection that never opened records nothing");
        breakers.opened(c);
        for (int i = 0; i < 100; i++) {
            breakers.success(c);
        }
        assertNull(c.health().breaker(), "healthy connections carry no breaker");
        assertEquals(20, c.health().successesWithoutBreaker(), "successes are counted up to the window, no further");
        CircuitBreaker b = breakers.failure(c, FAILURE);
        assertNotNull(b);
        assertEquals("wspool.p.c-1", b.getName());
        assertEquals(20, b.getMetrics().getNumberOfBufferedCalls(), "the window is full: 19 successes, 1 failure");
        assertEquals(1, b.getMetrics().getNumberOfFailedCalls());
    }

    @Test
    void randomOutcomeSequencesGiveTheSameStateAsAnEagerBreaker() {
        SplittableRandom random = new SplittableRandom(42);
        for (int run = 0; run < 500; run++) {
            ConnectionBreakers breakers = new ConnectionBreakers("p", COUNT_BASED, Clock.systemUTC());
            ManagedConnection c = new ManagedConnection("c-" + run, null, null, 0);
            breakers.opened(c);
            CircuitBreaker eager = CircuitBreaker.of("eager", COUNT_BASED);
            int successesFirst = random.nextInt(40);
            int calls = successesFirst + random.nextInt(40);
            for (int i = 0; i < calls; i++) {
                boolean fail = i >= successesFirst && random.nextInt(3) == 0;
                if (eager.getState() == CircuitBreaker.State.OPEN) {
                    break; // the pool recycles the connection once its breaker opens
                }
                if (fail) {
                    eager.onError(0, TimeUnit.NANOSECONDS, FAILURE);
                    breakers.failure(c, FAILURE);
                } else {
                    eager.onSuccess(0, TimeUnit.NANOSECONDS);
                    breakers.success(c);
                }
                CircuitBreaker lazy = c.health().breaker();
                String at = "run " + run + ", call " + i;
                if (lazy == null) {
                    assertEquals(0, eager.getMetrics().getNumberOfFailedCalls(), at);
                    assertEquals(CircuitBreaker.State.CLOSED, eager.getState(), at);
                } else {
                    assertEquals(eager.getState(), lazy.getState(), at);
                    assertEquals(eager.getMetrics().getFailureRate(), lazy.getMetrics().getFailureRate(), at);
                    assertEquals(eager.getMetrics().getNumberOfBufferedCalls(),
                            lazy.getMetrics().getNumberOfBufferedCalls(), at);
                }
            }
        }
    }

    @Test
    void aTimeBasedWindowGetsItsBreakerWhenTheConnectionOpens() {
        CircuitBreakerConfig timeBased = CircuitBreakerConfig.custom()
                .slidingWindow(10, 5, CircuitBreakerConfig.SlidingWindowType.TIME_BASED)
                .slowCallDurationThreshold(Duration.ofSeconds(1)).build();
        ConnectionBreakers breakers = new ConnectionBreakers("p", timeBased, Clock.systemUTC());
        ManagedConnection c = new ManagedConnection("c-1", null, null, 0);
        breakers.opened(c);
        assertNotNull(c.health().breaker(), "replayed successes would carry the wrong time: made eagerly");
        breakers.success(c);
        assertEquals(1, c.health().breaker().getMetrics().getNumberOfSuccessfulCalls());
    }

    @Test
    void successesRacingTheFirstFailureAreNeitherLostNorCountedTwice() throws Exception {
        CircuitBreakerConfig wide = CircuitBreakerConfig.custom()
                .slidingWindow(100_000, 100_000, CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
                .writableStackTraceEnabled(false).build();
        for (int run = 0; run < 50; run++) {
            ConnectionBreakers breakers = new ConnectionBreakers("p", wide, Clock.systemUTC());
            ManagedConnection c = new ManagedConnection("c-" + run, null, null, 0);
            breakers.opened(c);
            java.util.concurrent.CountDownLatch start = new java.util.concurrent.CountDownLatch(1);
            java.util.List<Thread> threads = new java.util.ArrayList<>();
            for (int t = 0; t < 4; t++) {
                Thread th = new Thread(() -> {
                    try {
                        start.await();
                    } catch (InterruptedException e) {
                        return;
                    }
                    for (int i = 0; i < 500; i++) {
                        breakers.success(c);
                    }
                });
                th.start();
                threads.add(th);
            }
            start.countDown();
            breakers.failure(c, FAILURE); // while the others record successes
            for (Thread th : threads) {
                th.join(10_000);
            }
            assertEquals(2_001, c.health().breaker().getMetrics().getNumberOfBufferedCalls(), "run " + run);
            assertEquals(1, c.health().breaker().getMetrics().getNumberOfFailedCalls(), "run " + run);
        }
    }
}
