package io.github.wspool.metrics;

import com.fasterxml.jackson.jr.ob.JSON;
import com.sun.net.httpserver.HttpExchange;
import io.github.wspool.EndpointSnapshot;
import io.github.wspool.PoolStats;
import io.github.wspool.WebSocketPool;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code GET /api/v1/events}: a server-sent event stream of pool snapshots for the dashboard. One sampler task takes a
 * snapshot every interval (whether or not anyone listens, so that the 5-minute history is there when a page opens)
 * and hands its JSON to every open stream; each stream is served by one HTTP worker thread that writes what it is
 * handed. The number of streams is bounded (503 beyond it); a slow reader loses intermediate snapshots, never the
 * latest. On close every stream ends at once.
 */
final class EventHub implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(EventHub.class.getName());
    private static final String END = "\u0000end";
    /** A history point per second, five minutes of them. */
    static final int HISTORY_POINTS = 300;
    private static final long HISTORY_STEP_NANOS = TimeUnit.SECONDS.toNanos(1);
    private static final long RATE_WINDOW_NANOS = TimeUnit.SECONDS.toNanos(1);
    private static final long P99_WINDOW_NANOS = TimeUnit.SECONDS.toNanos(5);
    private static final long[] NO_TRAFFIC = new long[4];

    private final WebSocketPool pool;
    private final ConnectionTracker tracker;
    private final JSON json;
    private final Duration interval;
    private final int maxStreams;
    private final Semaphore permits;
    private final Set<BlockingQueue<String>> streams = ConcurrentHashMap.newKeySet();
    private final AtomicLong seq = new AtomicLong();

    // sampler state: touched only by the sampler thread, except history (read by stream threads under its lock)
    private final ArrayDeque<Counters> window = new ArrayDeque<>();
    private final ArrayDeque<Map<String, Object>> history = new ArrayDeque<>();
    private long lastHistoryNanos = Long.MIN_VALUE;
    private volatile String latest;
    private volatile boolean closed;

    /** One sample's cumulative counters; {@code traffic} is per endpoint URI: messages in, out, bytes in, out. */
    private record Counters(long nanos, long acquires, long errors, long connectFailures, long[] waits,
                            Map<URI, long[]> traffic) {
    }

    EventHub(WebSocketPool pool, ConnectionTracker tracker, JSON json, Duration interval, int maxStreams) {
        this.pool = pool;
        this.tracker = tracker;
        this.json = json;
        this.interval = interval;
        this.maxStreams = maxStreams;
        this.permits = new Semaphore(maxStreams);
    }

    void start(ScheduledExecutorService sampler) {
        long ms = Math.max(1, interval.toMillis());
        sampler.scheduleAtFixedRate(this::sampleQuietly, 0, ms, TimeUnit.MILLISECONDS);
    }

    int openStreams() {
        return streams.size();
    }

    private void sampleQuietly() {
        try {
            sample(System.nanoTime());
        } catch (RuntimeException | IOException | Error e) {
            LOG.log(System.Logger.Level.WARNING, "admin server of pool '" + pool.name() + "': sampling failed", e);
        }
    }

    /** Takes one snapshot, remembers it, and hands it to every stream. */
    void sample(long now) throws IOException {
        PoolStats stats = pool.stats();
        List<EndpointSnapshot> endpoints = AdminSnapshots.endpoints(pool, stats);
        Map<String, Object> snapshot = AdminSnapshots.stats(pool, stats, endpoints);
        Map<URI, long[]> traffic = new HashMap<>();
        for (EndpointSnapshot e : endpoints) {
            traffic.put(e.uri(), new long[] {e.messagesIn(), e.messagesOut(), e.bytesIn(), e.bytesOut()});
        }
        Counters c = new Counters(now, tracker.acquires.sum(), tracker.errors(), tracker.connectFailures.sum(),
                tracker.acquireWaitHistogram(), traffic);
        window.addLast(c);
        while (window.size() > 1 && now - window.peekFirst().nanos() > P99_WINDOW_NANOS) {
            window.removeFirst();
        }
        Counters secondAgo = window.peekFirst();
        for (Iterator<Counters> it = window.descendingIterator(); it.hasNext(); ) {
            Counters p = it.next();
            if (now - p.nanos() >= RATE_WINDOW_NANOS) {
                secondAgo = p;
                break;
            }
        }
        double seconds = Math.max(1e-3, (now - secondAgo.nanos()) / 1e9);
        Map<String, Object> rates = new LinkedHashMap<>();
        rates.put("acquiresPerSecond", round(secondAgo == c ? 0 : (c.acquires() - secondAgo.acquires()) / seconds));
        rates.put("errorsPerSecond", round(secondAgo == c ? 0 : (c.errors() - secondAgo.errors()) / seconds));
        rates.put("connectFailuresPerSecond",
                round(secondAgo == c ? 0 : (c.connectFailures() - secondAgo.connectFailures()) / seconds));
        trafficRates(c, secondAgo, seconds, endpoints, snapshot, rates);
        long[] waits = c.waits().clone();
        Counters oldest = window.peekFirst();
        if (oldest != c) {
            for (int i = 0; i < waits.length; i++) {
                waits[i] -= oldest.waits()[i];
            }
        }
        double p99 = ConnectionTracker.p99Millis(waits);
        rates.put("acquireWaitP99Millis", p99 < 0 ? null : p99);
        snapshot.put("rates", rates);
        Map<String, Object> totals = new LinkedHashMap<>();
        totals.put("acquires", c.acquires());
        totals.put("acquireFailures", tracker.acquireFailures.sum());
        totals.put("connects", tracker.connects.sum());
        totals.put("connectFailures", c.connectFailures());
        totals.put("recycled", tracker.recycles.sum());
        totals.put("requests", tracker.requests.sum());
        totals.put("requestFailures", tracker.requestFailures.sum());
        totals.put("undelivered", tracker.undelivered.sum());
        totals.put("sendsRejected", tracker.sendsRejected.sum());
        totals.put("dropped", tracker.dropped.sum());
        snapshot.put("totals", totals);
        snapshot.put("seq", seq.incrementAndGet());
        if (lastHistoryNanos == Long.MIN_VALUE || now - lastHistoryNanos >= HISTORY_STEP_NANOS) {
            lastHistoryNanos = now;
            Map<String, Object> point = historyPoint(snapshot, rates);
            synchronized (history) { // a short copy, no I/O under it
                history.addLast(point);
                while (history.size() > HISTORY_POINTS) {
                    history.removeFirst();
                }
            }
        }
        String text = json.asString(snapshot);
        latest = text;
        for (BlockingQueue<String> q : streams) {
            offerLatest(q, text);
        }
    }

    /**
     * Messages (and bytes) per second, per endpoint (into its entry of the snapshot) and for the pool (the sum, into
     * {@code rates}), over the same window as the other rates. Computed here rather than in the page so that the
     * 5-minute history has them when a page opens, and every page sees the same figures. An endpoint added within the
     * window counts from zero; one whose counters went back (removed and added again) counts nothing for that window.
     */
    @SuppressWarnings("unchecked")
    private static void trafficRates(Counters c, Counters before, double seconds, List<EndpointSnapshot> endpoints,
                                     Map<String, Object> snapshot, Map<String, Object> rates) {
        double[] pool = new double[4];
        List<Object> entries = (List<Object>) snapshot.get("endpoints");
        for (int i = 0; i < endpoints.size(); i++) {
            URI uri = endpoints.get(i).uri();
            long[] now = c.traffic().get(uri);
            long[] then = before == c ? now : before.traffic().getOrDefault(uri, NO_TRAFFIC);
            double[] r = new double[4];
            for (int k = 0; k < 4; k++) {
                r[k] = Math.max(0, now[k] - then[k]) / seconds;
                pool[k] += r[k];
            }
            Map<String, Object> entry = (Map<String, Object>) entries.get(i);
            entry.put("messagesInPerSecond", round(r[0]));
            entry.put("messagesOutPerSecond", round(r[1]));
        }
        rates.put("messagesInPerSecond", round(pool[0]));
        rates.put("messagesOutPerSecond", round(pool[1]));
        rates.put("bytesInPerSecond", round(pool[2]));
        rates.put("bytesOutPerSecond", round(pool[3]));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> historyPoint(Map<String, Object> snapshot, Map<String, Object> rates) {
        Map<String, Object> connections = (Map<String, Object>) snapshot.get("connections");
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("time", snapshot.get("time"));
        p.put("total", connections.get("total"));
        p.put("active", connections.get("active"));
        p.put("idle", connections.get("idle"));
        p.put("pending", connections.get("pending"));
        p.put("acquiresPerSecond", rates.get("acquiresPerSecond"));
        p.put("errorsPerSecond", rates.get("errorsPerSecond"));
        p.put("messagesInPerSecond", rates.get("messagesInPerSecond"));
        p.put("messagesOutPerSecond", rates.get("messagesOutPerSecond"));
        p.put("acquireWaitP99Millis", rates.get("acquireWaitP99Millis"));
        int healthy = 0;
        int unhealthy = 0;
        for (Object e : (List<Object>) snapshot.get("endpoints")) {
            if (Boolean.TRUE.equals(((Map<String, Object>) e).get("healthy"))) {
                healthy++;
            } else {
                unhealthy++;
            }
        }
        p.put("healthyEndpoints", healthy);
        p.put("unhealthyEndpoints", unhealthy);
        return p;
    }

    private static double round(double v) {
        return Math.round(v * 100) / 100.0;
    }

    private static void offerLatest(BlockingQueue<String> q, String text) {
        while (!q.offer(text)) {
            q.poll(); // a slow reader: drop the oldest, keep the newest
        }
    }

    /**
     * Serves one stream on the calling (HTTP worker) thread until the client goes away or the hub closes.
     *
     * @throws AdminException 503 when {@code maxEventStreams} streams are open already, or the server is closing
     */
    void serve(HttpExchange exchange) throws IOException {
        if (closed) {
            throw new AdminException(503, "the admin server is closing");
        }
        if (!permits.tryAcquire()) {
            throw new AdminException(503, "too many event streams open (at most " + maxStreams
                    + "; see PoolAdminServer.Builder.maxEventStreams)", Map.of("Retry-After", "5"));
        }
        BlockingQueue<String> queue = new ArrayBlockingQueue<>(4);
        streams.add(queue);
        try {
            if (closed) {
                return;
            }
            exchange.getResponseHeaders().set("Content-Type", "text/event-stream; charset=utf-8");
            exchange.getResponseHeaders().set("Cache-Control", "no-store");
            exchange.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
            exchange.sendResponseHeaders(200, 0);
            OutputStream out = exchange.getResponseBody();
            List<Map<String, Object>> past;
            synchronized (history) {
                past = new ArrayList<>(history);
            }
            write(out, "retry: 1000\n\nevent: history\ndata: " + json.asString(past) + "\n\n");
            String first = latest;
            if (first != null) {
                write(out, "data: " + first + "\n\n");
            }
            long keepAliveMillis = Math.max(1000, interval.toMillis() * 4);
            while (!closed) {
                String next;
                try {
                    next = queue.poll(keepAliveMillis, TimeUnit.MILLISECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
                if (next == null) {
                    write(out, ": keep-alive\n\n");
                } else if (next == END) {
                    write(out, "event: close\ndata: {}\n\n");
                    return;
                } else {
                    write(out, "data: " + next + "\n\n");
                }
            }
        } catch (IOException e) {
            // the client went away: normal for a stream
        } finally {
            exchange.close(); // the last chunk goes out before close() below stops the server
            streams.remove(queue);
            permits.release();
        }
    }

    private static void write(OutputStream out, String text) throws IOException {
        out.write(text.getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    /** Ends every stream (they write a last {@code close} event and return). */
    @Override
    public void close() {
        closed = true;
        for (BlockingQueue<String> q : streams) {
            offerLatest(q, END);
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
        while (!streams.isEmpty() && System.nanoTime() < deadline) { // a stream blocked on a slow client is cut by
            try {                                                    // the server's stop that follows
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
