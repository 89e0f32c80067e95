package io.github.wspool.examples;

import io.github.wspool.PooledConnection;
import io.github.wspool.WebSocketPool;
import io.github.wspool.core.WebSocketPools;
import io.github.wspool.testkit.TestWebSocketServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Request/response over shared connections: a loopback server answers every {@code ping} with a {@code pong} carrying
 * the same {@code messageId}, each after a random delay of 0–5 ms, so replies come back out of order. Eight caller
 * threads share two connections ({@code maxLeasesPerConnection(4)}) and keep eight requests each in flight; every
 * reply still reaches its own request.
 *
 * <pre>mvn -q -pl pool-examples exec:java -Dexec.mainClass=io.github.wspool.examples.RequestResponseExample</pre>
 */
public final class RequestResponseExample {

    private static final Pattern MESSAGE_ID = Pattern.compile("\"messageId\":\"([^\"]+)\"");

    private RequestResponseExample() {
    }

    public static void main(String[] args) throws Exception {
        System.out.println(run(8, 200));
    }

    /** The outcome: how many requests were answered correctly, and latency percentiles. */
    record Result(int requests, int matched, int connections, long p50Micros, long p99Micros) {
        @Override
        public String toString() {
            return String.format(Locale.ROOT, "%d requests on %d connection(s): %d replies matched their request;"
                    + " latency p50 %d us, p99 %d us", requests, connections, matched, p50Micros, p99Micros);
        }
    }

    static Result run(int threads, int requestsPerThread) throws Exception {
        ScheduledExecutorService delays = Executors.newScheduledThreadPool(2);
        try (TestWebSocketServer server = TestWebSocketServer.start()) {
            server.responder((peer, text) -> {
                Matcher m = MESSAGE_ID.matcher(text);
                if (m.find()) {
                    String pong = "{\"type\":\"pong\",\"messageId\":\"" + m.group(1) + "\"}";
                    delays.schedule(() -> peer.send(pong), ThreadLocalRandom.current().nextInt(5_000),
                            TimeUnit.MICROSECONDS);
                }
            });
            // --- README: request/response ---
            WebSocketPool pool = WebSocketPools.builder().name("rpc")
                    .endpoint(server.uri("/rpc"))
                    .pooling(true).maxConnections(2)
                    .maxLeasesPerConnection(4)                 // up to 4 callers share one connection
                    .build();
            try (PooledConnection c = pool.acquire()) {
                String reply = c.request("{\"type\":\"ping\",\"messageId\":\"42\"}", Duration.ofSeconds(2))
                        .join();                           // {"type":"pong","messageId":"42"}
            }
            // --- end ---
            long[] latencies = new long[threads * requestsPerThread];
            int matched = 0;
            ExecutorService callers = Executors.newFixedThreadPool(threads);
            try {
                List<CompletableFuture<Integer>> done = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    int thread = t;
                    done.add(CompletableFuture.supplyAsync(() -> calls(pool, thread, requestsPerThread, latencies),
                            callers));
                }
                for (CompletableFuture<Integer> d : done) {
                    matched += d.get(60, TimeUnit.SECONDS);
                }
            } finally {
                callers.shutdownNow();
                pool.close();
            }
            Arrays.sort(latencies);
            return new Result(latencies.length, matched, server.completedHandshakes(),
                    latencies[latencies.length / 2] / 1_000, latencies[latencies.length * 99 / 100] / 1_000);
        } finally {
            delays.shutdownNow();
        }
    }

    /** One caller: eight requests in flight at a time on one (shared) lease. */
    private static int calls(WebSocketPool pool, int thread, int count, long[] latencies) {
        int matched = 0;
        try (PooledConnection c = pool.acquire()) {
            for (int i = 0; i < count; i += 8) {
                List<CompletableFuture<String>> inFlight = new ArrayList<>();
                long[] sentAt = new long[8];
                for (int k = 0; k < 8 && i + k < count; k++) {
                    sentAt[k] = System.nanoTime();
                    inFlight.add(c.request("{\"type\":\"ping\",\"messageId\":\"" + thread + "-" + (i + k) + "\"}",
                            Duration.ofSeconds(5)));
                }
                for (int k = 0; k < inFlight.size(); k++) {
                    String reply = inFlight.get(k).join();
                    latencies[thread * count + i + k] = System.nanoTime() - sentAt[k];
                    if (reply.contains("\"messageId\":\"" + thread + "-" + (i + k) + "\"")) {
                        matched++;
                    }
                }
            }
        }
        return matched;
    }
}
