package io.github.wspool.benchmarks.scale;

import io.github.wspool.PoolListener;
import io.github.wspool.PooledConnection;
import io.github.wspool.WebSocketPool;
import io.github.wspool.core.WebSocketPoolBuilder;
import io.github.wspool.core.WebSocketPools;
import io.github.wspool.event.ConnectEvent;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The scale run's client, one transport and one connection count per JVM: opens {@code N} pooled connections to
 * the {@link ScaleServer}, holds them with keepalive pings running, runs a bounded echo workload through the pool,
 * closes, and prints one Markdown table row.
 *
 * <p>Usage: {@code ScaleClient <jws|nio> <connections> <ws-uri> [holdSeconds] [echoRequests] [plain|deflate]}. With
 * the last argument, every connection first carries one 2 KiB JSON request and its echo (so that, with
 * {@code deflate}, i.e. {@code compression(true)} against a server that compresses and keeps its context, each holds
 * the inflater it needs) before memory is measured; the row's transport reads {@code nio+deflate} or
 * {@code nio+plain}. Memory per connection is
 * measured as the growth over the JVM's figures just before the pool was built: RSS from {@code /proc/self/status},
 * heap used after a full GC. Threads are the JVM's live threads ({@code ThreadMXBean}), all of them.
 */
public final class ScaleClient {

    private ScaleClient() {
    }

    /**
     * Runs one measurement.
     *
     * @param args see the class comment
     * @throws Exception if the run fails
     */
    public static void main(String[] args) throws Exception {
        String transport = args[0];
        int n = Integer.parseInt(args[1]);
        String uri = args[2];
        int holdSeconds = args.length > 3 ? Integer.parseInt(args[3]) : 10;
        int echoRequests = args.length > 4 ? Integer.parseInt(args[4]) : 20_000;
        String compression = args.length > 5 ? args[5] : null;

        int threadsBefore = threads();
        long heapBefore = heapAfterGc();
        long rssBefore = rssBytes();

        ConcurrentLinkedQueue<Long> connectNanos = new ConcurrentLinkedQueue<>();
        AtomicInteger connectFailures = new AtomicInteger();
        WebSocketPoolBuilder b = WebSocketPools.builder().name("scale").endpoint(uri).pooling(true)
                .minConnections(n).maxConnections(n).maxConcurrentConnects(64, 64)
                .connectTimeout(Duration.ofSeconds(30)).acquireTimeout(Duration.ofSeconds(30))
                .healthCheckInterval(Duration.ofSeconds(5)).pongTimeout(Duration.ofSeconds(10))
                .idleTimeout(Duration.ZERO).maxLifetime(Duration.ZERO)
                .closeTimeout(Duration.ofSeconds(5)).shutdownTimeout(Duration.ofSeconds(5))
                .listener(new PoolListener() {
                    @Override
                    public void onConnect(ConnectEvent event) {
                        if (event.succeeded()) {
                            connectNanos.add(event.duration().toNanos());
                        } else {
                            connectFailures.incrementAndGet();
                        }
                    }
                });
        if (transport.equals("nio")) {
            b.sharedSelectorTransport(0);
        } else if (transport.equals("jws")) {
            b.threadPerConnectionTransport();
        } else {
            throw new IllegalArgumentException("transport must be jws or nio, but was " + transport);
        }
        if (compression != null) {
            b.compression(compression.equals("deflate"));
            transport = transport + "+" + compression;
        }
        long start = System.nanoTime();
        WebSocketPool pool = b.build();
        long deadline = start + TimeUnit.MINUTES.toNanos(4);
        while (pool.stats().total() < n || connectNanos.size() < n) {
            if (System.nanoTime() > deadline) {
                System.err.println("only " + connectNanos.size() + " of " + n + " connections opened in 4 minutes ("
                        + connectFailures.get() + " failed connects)");
                break;
            }
            Thread.sleep(20); // polling a measurement program, not a test
        }
        long connectTotal = System.nanoTime() - start;
        int opened = connectNanos.size();

        if (compression != null) {
            touchEvery(pool, opened);
        }
        Thread.sleep(TimeUnit.SECONDS.toMillis(holdSeconds)); // held with keepalive pings running
        int threadsHeld = threads();
        long rssHeld = rssBytes();
        long heapHeld = heapAfterGc();

        long[] rtts = echo(pool, echoRequests);
        long failures = rtts.length == 0 ? echoRequests : Arrays.stream(rtts).filter(x -> x < 0).count();
        long[] ok = Arrays.stream(rtts).filter(x -> x >= 0).sorted().toArray();

        long closeStart = System.nanoTime();
        pool.close();
        long closeNanos = System.nanoTime() - closeStart;

        long[] connects = connectNanos.stream().mapToLong(Long::longValue).sorted().toArray();
        System.out.printf(Locale.ROOT, "| %s | %,d | %,d | %.2f s | %.1f / %.1f / %.1f ms | %d (+%d) | %.1f KiB | %.1f KiB"
                        + " | %.2f / %.2f ms | %d | %.2f s |%n",
                transport, n, opened, connectTotal / 1e9, pct(connects, 50) / 1e6,
                Arrays.stream(connects).average().orElse(0) / 1e6, pct(connects, 99) / 1e6,
                threadsHeld, threadsHeld - threadsBefore,
                (rssHeld - rssBefore) / 1024.0 / Math.max(1, opened), (heapHeld - heapBefore) / 1024.0 / Math.max(1, opened),
                pct(ok, 50) / 1e6, pct(ok, 99) / 1e6, failures, closeNanos / 1e9);
        System.exit(0);
    }

    /** One 2 KiB JSON request and its echo on each of {@code n} connections (all leased at once). */
    private static void touchEvery(WebSocketPool pool, int n) {
        StringBuilder quotes = new StringBuilder();
        for (int i = 0; quotes.length() < 2000; i++) {
            quotes.append(i == 0 ? "" : ",").append("{\"sym\":\"ACME").append(i % 7).append("\",\"bid\":")
                    .append(100 + i % 13).append('}');
        }
        List<PooledConnection> leases = new ArrayList<>(n);
        List<java.util.concurrent.CompletableFuture<String>> replies = new ArrayList<>(n);
        try {
            for (int i = 0; i < n; i++) {
                PooledConnection c = pool.acquire();
                leases.add(c);
                replies.add(c.request("{\"messageId\":\"touch-" + i + "\",\"quotes\":[" + quotes + "]}",
                        Duration.ofSeconds(30)));
            }
            for (java.util.concurrent.CompletableFuture<String> r : replies) {
                r.join();
            }
        } finally {
            leases.forEach(PooledConnection::close);
        }
    }

    /** {@code requests} request/reply round trips from 8 threads, each acquire → request → release. */
    private static long[] echo(WebSocketPool pool, int requests) throws InterruptedException {
        long[] rtts = new long[requests];
        AtomicInteger next = new AtomicInteger();
        AtomicLong ids = new AtomicLong();
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
            Thread th = new Thread(() -> {
                int i;
                while ((i = next.getAndIncrement()) < requests) {
                    String msg = "{\"messageId\":\"" + ids.incrementAndGet() + "\",\"payload\":\"0123456789abcdef\"}";
                    long t0 = System.nanoTime();
                    try (PooledConnection c = pool.acquire()) {
                        c.request(msg, Duration.ofSeconds(10)).join();
                        rtts[i] = System.nanoTime() - t0;
                    } catch (RuntimeException e) {
                        rtts[i] = -1;
                    }
                }
            }, "echo-" + t);
            th.start();
            threads.add(th);
        }
        for (Thread th : threads) {
            th.join();
        }
        return rtts;
    }

    private static long pct(long[] sorted, int p) {
        return sorted.length == 0 ? 0 : sorted[Math.min(sorted.length - 1, (int) Math.ceil(p / 100.0 * sorted.length) - 1)];
    }

    private static int threads() {
        return ManagementFactory.getThreadMXBean().getThreadCount();
    }

    private static long heapAfterGc() {
        System.gc();
        System.gc();
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    private static long rssBytes() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        }
        return 0;
    }
}
