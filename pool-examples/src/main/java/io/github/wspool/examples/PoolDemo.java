package io.github.wspool.examples;

import io.github.wspool.ConnectionState;
import io.github.wspool.PoolStats;
import io.github.wspool.PooledConnection;
import io.github.wspool.WebSocketPool;
import io.github.wspool.core.WebSocketPools;
import io.github.wspool.strategy.Strategies;
import io.github.wspool.testkit.TestWebSocketServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * The README demo: starts three echo servers on loopback ephemeral ports, builds a pooled pool over them, drives a
 * bounded concurrent workload for about ten seconds while printing a live status line, then prints a summary and
 * exits.
 *
 * <p>Run it with {@code mvn -B -q -Pdemo -DskipTests verify}. Arguments: {@code [seconds] [threads]}.
 */
public final class PoolDemo {

    private PoolDemo() {
    }

    public static void main(String[] args) throws Exception {
        int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 10;
        int threads = args.length > 1 ? Integer.parseInt(args[1]) : 8;
        if (seconds < 1 || seconds > 300 || threads < 1 || threads > 256) {
            throw new IllegalArgumentException("usage: PoolDemo [seconds 1..300] [threads 1..256], got "
                    + Arrays.toString(args));
        }

        List<TestWebSocketServer> servers = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            servers.add(TestWebSocketServer.start());
        }
        System.out.printf("wspool demo: %d echo servers on loopback, %d worker threads, %d s%n", servers.size(),
                threads, seconds);
        for (TestWebSocketServer s : servers) {
            System.out.println("  server " + s.uri("/feed"));
        }

        LongAdder echoes = new LongAdder();
        var builder = WebSocketPools.builder().name("demo")
                .pooling(true).minConnections(6).maxConnections(6)
                // the servers echo every message: a program that sends on a connection it releases at once receives
                // the replies through the pool's handler (without one they would be reported dropped)
                .onMessage(m -> echoes.increment())
                .strategy(Strategies.roundRobin())
                .acquireTimeout(Duration.ofSeconds(2));
        for (TestWebSocketServer s : servers) {
            builder.endpoint(s.uri("/feed"));
        }

        LongAdder acquires = new LongAdder();
        LongAdder timeouts = new LongAdder();
        LatencyHistogram waits = new LatencyHistogram();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);

        try (WebSocketPool pool = builder.build()) {
            ExecutorService workers = Executors.newFixedThreadPool(threads);
            for (int t = 0; t < threads; t++) {
                workers.execute(() -> work(pool, deadline, acquires, timeouts, waits));
            }
            workers.shutdown();

            long last = 0;
            long startedAt = System.nanoTime();
            while (!workers.awaitTermination(1, TimeUnit.SECONDS)) {
                long now = acquires.sum();
                System.out.println(statusLine((System.nanoTime() - startedAt) / 1_000_000_000.0, now - last,
                        pool.stats()));
                last = now;
            }
            System.out.println(statusLine((System.nanoTime() - startedAt) / 1_000_000_000.0, acquires.sum() - last,
                    pool.stats()));
            // the last echoes are still on their way: give them a moment (bounded) before closing the pool
            long drainUntil = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
            while (echoes.sum() < acquires.sum() && System.nanoTime() < drainUntil) {
                TimeUnit.MILLISECONDS.sleep(10);
            }
        }

        System.out.println();
        System.out.println("summary");
        System.out.println("-------");
        System.out.printf(Locale.ROOT, "  %-34s %10s %12s %10s%n", "endpoint", "accepted", "messages", "share");
        long totalMessages = servers.stream().mapToLong(TestWebSocketServer::messagesReceived).sum();
        for (TestWebSocketServer s : servers) {
            System.out.printf(Locale.ROOT, "  %-34s %10d %12d %9.1f%%%n", s.uri("/feed"), s.acceptedConnections(),
                    s.messagesReceived(), 100.0 * s.messagesReceived() / Math.max(1, totalMessages));
        }
        System.out.printf(Locale.ROOT, "  %-34s %10s %12d%n", "total", "", totalMessages);
        System.out.println();
        System.out.printf(Locale.ROOT, "  acquires            %,d (%,.0f/s)%n", acquires.sum(),
                acquires.sum() / (double) seconds);
        System.out.printf(Locale.ROOT, "  acquire timeouts    %,d%n", timeouts.sum());
        System.out.printf(Locale.ROOT, "  echoes received     %,d of %,d sent%n", echoes.sum(), acquires.sum());
        System.out.printf(Locale.ROOT, "  acquire wait        p50 %s   p99 %s   max %s%n", waits.format(0.50),
                waits.format(0.99), waits.format(1.0));
        System.out.printf(Locale.ROOT, "  open after close    %d (server side)%n",
                servers.stream().mapToInt(TestWebSocketServer::openConnections).sum());
        for (TestWebSocketServer s : servers) {
            s.stop();
        }
    }

    /** One worker: acquire, send a message, hold the lease for a moment of simulated work, release. */
    private static void work(WebSocketPool pool, long deadline, LongAdder acquires, LongAdder timeouts,
                             LatencyHistogram waits) {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        while (System.nanoTime() < deadline) {
            long start = System.nanoTime();
            try (PooledConnection c = pool.acquire()) {
                waits.record(System.nanoTime() - start);
                acquires.increment();
                c.send("{\"type\":\"data\",\"messageId\":\"" + random.nextInt() + "\"}");
                if (random.nextInt(100) == 0) {
                    TimeUnit.MILLISECONDS.sleep(1); // an occasional slow holder, so that callers queue
                }
            } catch (io.github.wspool.AcquireTimeoutException e) {
                timeouts.increment();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private static String statusLine(double elapsed, long acquiresInSecond, PoolStats s) {
        return String.format(Locale.ROOT,
                "[%5.1fs] acquires/s=%,9d  total=%d ready=%d active=%d idle=%d connecting=%d recycling=%d pending=%d",
                elapsed, acquiresInSecond, s.total(), s.count(ConnectionState.READY), s.count(ConnectionState.ACTIVE),
                s.count(ConnectionState.IDLE), s.count(ConnectionState.INITIALIZING),
                s.count(ConnectionState.RECYCLING), s.pending());
    }

    /** A lock-free log-scale histogram of nanosecond latencies (buckets of powers of two). */
    static final class LatencyHistogram {
        private final AtomicLong[] buckets = new AtomicLong[64];

        LatencyHistogram() {
            for (int i = 0; i < buckets.length; i++) {
                buckets[i] = new AtomicLong();
            }
        }

        void record(long nanos) {
            buckets[64 - Long.numberOfLeadingZeros(Math.max(1, nanos))].incrementAndGet();
        }

        /** Upper bound of the bucket holding quantile {@code q}. */
        long quantileNanos(double q) {
            long total = 0;
            for (AtomicLong b : buckets) {
                total += b.get();
            }
            long rank = (long) Math.ceil(q * total);
            long seen = 0;
            for (int i = 0; i < buckets.length; i++) {
                seen += buckets[i].get();
                if (seen >= rank && seen > 0) {
                    return 1L << i;
                }
            }
            return 0;
        }

        String format(double q) {
            long n = quantileNanos(q);
            if (n < 1_000) {
                return "<" + n + " ns";
            }
            if (n < 1_000_000) {
                return "<" + n / 1_000 + " us";
            }
            return "<" + n / 1_000_000 + " ms";
        }
    }
}
