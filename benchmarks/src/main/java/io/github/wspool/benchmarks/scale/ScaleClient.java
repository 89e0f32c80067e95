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
import java.util.Map;
import java.util.TreeMap;
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
 *
 * <p>System properties ({@code benchmarks/scale.sh} sets the first three): {@code scale.gclog}, the client's own GC
 * log, read at the end for the longest pause of each phase ({@link GcPauses}); {@code scale.serverCloses}, the
 * {@link ScaleServer}'s close counts, to check that every connection's close frame arrived; {@code scale.tsv}, a file
 * to append one tab-separated line of figures to (the script's growth table); {@code scale.diag}, a directory for
 * NMT, class histogram and heap figures at hold, plus a close timeline on stderr; with it, {@code scale.closeHistoMillis}
 * (ms) writes a class histogram of what is live that long into the close (a full GC: the close is slower then).
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
        // the JDK keeps one socket pair per process from the first NIO socket it closes on (FileDispatcherImpl's
        // pre-close descriptor, strace: socketpair in FileDispatcherImpl.init): made here, before the baseline, so
        // that "sockets left" counts only what the pool left open
        java.nio.channels.SocketChannel.open().close();
        int socketsBefore = openSockets();
        long heapBefore = heapAfterGc();
        long rssBefore = rssBytes();
        Path serverCloses = System.getProperty("scale.serverCloses") == null ? null
                : Path.of(System.getProperty("scale.serverCloses"));
        Map<Integer, Long> closesBefore = serverCloses(serverCloses);

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
        long[] phases = new long[6]; // JVM uptime (ms) at: build, all open, hold measured, echo done, close start, end
        phases[0] = uptimeMillis();
        long start = System.nanoTime();
        WebSocketPool pool = b.build();
        long deadline = start + TimeUnit.MINUTES.toNanos(4);
        // the pool's stats are O(connections): looked at only once the listener has seen them all open
        while (connectNanos.size() < n || pool.stats().total() < n) {
            if (System.nanoTime() > deadline) {
                System.err.println("only " + connectNanos.size() + " of " + n + " connections opened in 4 minutes ("
                        + connectFailures.get() + " failed connects)");
                break;
            }
            Thread.sleep(20); // polling a measurement program, not a test
        }
        long connectTotal = System.nanoTime() - start;
        phases[1] = uptimeMillis();
        int opened = connectNanos.size();

        if (compression != null) {
            touchEvery(pool, opened);
        }
        Thread.sleep(TimeUnit.SECONDS.toMillis(holdSeconds)); // held with keepalive pings running
        int threadsHeld = threads();
        long rssHeld = rssBytes();
        long committedHeld = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getCommitted();
        phases[2] = uptimeMillis();
        long heapHeld = heapAfterGc();
        diagnostics(transport + "-" + n);

        long echoStart = uptimeMillis();
        long[] rtts = echo(pool, echoRequests);
        phases[3] = uptimeMillis();
        long failures = rtts.length == 0 ? echoRequests : Arrays.stream(rtts).filter(x -> x < 0).count();
        long[] ok = Arrays.stream(rtts).filter(x -> x >= 0).sorted().toArray();

        phases[4] = uptimeMillis();
        long closeStart = System.nanoTime();
        Thread timeline = closeTimeline(pool, serverCloses, closesBefore, closeStart);
        pool.close();
        long closeNanos = System.nanoTime() - closeStart;
        if (timeline != null) {
            timeline.interrupt();
            timeline.join();
        }
        phases[5] = uptimeMillis();
        int socketsLeft = openSockets() - socketsBefore;
        String serverSaw = closesSeen(serverCloses, closesBefore, opened);
        double[] pauses = GcPauses.longest(System.getProperty("scale.gclog"),
                new long[] {phases[0], phases[1], phases[2], echoStart, phases[3], phases[4], phases[5] + 500});

        long[] connects = connectNanos.stream().mapToLong(Long::longValue).sorted().toArray();
        double rssPerConn = (rssHeld - rssBefore) / 1024.0 / Math.max(1, opened);
        double heapPerConn = (heapHeld - heapBefore) / 1024.0 / Math.max(1, opened);
        double committedPerConn = (committedHeld - heapBefore) / 1024.0 / Math.max(1, opened);
        System.out.printf(Locale.ROOT, "| %s | %,d | %,d | %.2f s | %.1f / %.1f / %.1f ms | %d (+%d) | %.1f KiB"
                        + " | %.1f KiB | %.1f KiB | %.2f / %.2f ms | %d | %.2f s | %s | %s / %s / %s / %s |%n",
                transport, n, opened, connectTotal / 1e9, pct(connects, 50) / 1e6,
                Arrays.stream(connects).average().orElse(0) / 1e6, pct(connects, 99) / 1e6,
                threadsHeld, threadsHeld - threadsBefore, rssPerConn, heapPerConn, committedPerConn,
                pct(ok, 50) / 1e6, pct(ok, 99) / 1e6, failures, closeNanos / 1e9,
                serverSaw + ", " + socketsLeft + " sockets left",
                ms(pauses[0]), ms(pauses[1]), ms(pauses[3]), ms(pauses[5]));
        // the phases' bounds in JVM uptime, for reading the client's GC log by phase (e.g. its phase breakdown)
        System.err.printf(Locale.ROOT, "phases (JVM uptime, ms): build %d, all open %d, hold measured %d, echo %d-%d,"
                + " close %d-%d%n", phases[0], phases[1], phases[2], echoStart, phases[3], phases[4], phases[5]);
        String tsv = System.getProperty("scale.tsv");
        if (tsv != null) { // one line per run, for the growth table the script prints
            Files.writeString(Path.of(tsv), String.format(Locale.ROOT, "%s\t%d\t%d\t%.1f\t%.1f\t%.2f\t%.2f\t%.2f"
                            + "\t%.3f\t%.1f\t%.1f\t%.1f\t%.1f\t%.1f\t%.1f%n", transport, n, opened, pct(connects, 50) / 1e6,
                    pct(connects, 99) / 1e6, rssPerConn, heapPerConn, committedPerConn, closeNanos / 1e9,
                    pauses[0], pauses[1], pauses[3], pauses[5], (rssHeld - rssBefore) / 1048576.0,
                    (heapHeld - heapBefore) / 1048576.0),
                    java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
        }
        System.exit(0);
    }

    /**
     * With {@code scale.diag}: every 100 ms of the close, the connections the pool still holds and the closes the
     * server has seen, on stderr (where the time of a slow close goes).
     */
    private static Thread closeTimeline(WebSocketPool pool, Path serverCloses, Map<Integer, Long> before, long start) {
        if (System.getProperty("scale.diag") == null) {
            return null;
        }
        long cpu0 = ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
        Map<String, Long> threads0 = threadCpu();
        long histoAt = Long.getLong("scale.closeHistoMillis", -1);
        Thread t = new Thread(() -> {
            boolean histoTaken = histoAt < 0;
            try {
                while (!Thread.currentThread().isInterrupted()) {
                    if (!histoTaken && System.nanoTime() - start >= histoAt * 1_000_000) {
                        histoTaken = true; // what the close holds live at that moment (a full GC: slows the close)
                        Files.writeString(Path.of(System.getProperty("scale.diag"), "close-histo-" + histoAt + "ms.txt"),
                                String.valueOf(ManagementFactory.getPlatformMBeanServer().invoke(
                                        new javax.management.ObjectName("com.sun.management:type=DiagnosticCommand"),
                                        "gcClassHistogram", new Object[] {new String[0]},
                                        new String[] {String[].class.getName()})));
                    }
                    Map<Integer, Long> now = serverCloses(serverCloses);
                    long seen = now.entrySet().stream().filter(e -> e.getKey() >= 0).mapToLong(Map.Entry::getValue)
                            .sum() - before.entrySet().stream().filter(e -> e.getKey() >= 0)
                            .mapToLong(Map.Entry::getValue).sum();
                    long serverCpu = now.getOrDefault(-1, 0L) - before.getOrDefault(-1, 0L);
                    long clientCpu = ((com.sun.management.OperatingSystemMXBean) ManagementFactory
                            .getOperatingSystemMXBean()).getProcessCpuTime() - cpu0;
                    Map<String, Long> byThread = threadCpu();
                    StringBuilder split = new StringBuilder();
                    long javaThreads = 0;
                    for (Map.Entry<String, Long> e : byThread.entrySet()) {
                        long d = e.getValue() - threads0.getOrDefault(e.getKey(), 0L);
                        javaThreads += d;
                        if (d >= 5_000_000) {
                            split.append(' ').append(e.getKey()).append('=').append(d / 1_000_000);
                        }
                    }
                    System.err.printf(Locale.ROOT, "close +%4d ms: pool holds %6d, server saw %6d closes;"
                                    + " CPU since close began: client %4d ms (JVM's own threads %d;%s), server %4d ms%n",
                            (System.nanoTime() - start) / 1_000_000, pool.stats().total(), seen, clientCpu / 1_000_000,
                            (clientCpu - javaThreads) / 1_000_000, split, serverCpu / 1_000_000);
                    Thread.sleep(100);
                }
            } catch (InterruptedException | IOException | RuntimeException
                     | javax.management.JMException e) {
                // done
            }
        }, "close-timeline");
        t.setDaemon(true);
        t.start();
        return t;
    }

    /** CPU time of the JVM's Java threads by name (digits folded: one entry per kind of thread). */
    private static Map<String, Long> threadCpu() {
        java.lang.management.ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        Map<String, Long> m = new TreeMap<>();
        for (long id : mx.getAllThreadIds()) {
            java.lang.management.ThreadInfo info = mx.getThreadInfo(id);
            long cpu = mx.getThreadCpuTime(id);
            if (info != null && cpu > 0) {
                m.merge(info.getThreadName().replaceAll("[0-9]+$", "N").replace("wspool-scale-", ""), cpu, Long::sum);
            }
        }
        return m;
    }

    private static String ms(double millis) {
        return millis < 0 ? "–" : String.format(Locale.ROOT, "%.1f", millis);
    }

    private static long uptimeMillis() {
        return ManagementFactory.getRuntimeMXBean().getUptime();
    }

    /** The server's close counts by code ({@code ScaleServer} writes them), or an empty map without the file. */
    private static Map<Integer, Long> serverCloses(Path file) throws IOException {
        Map<Integer, Long> m = new TreeMap<>();
        if (file == null || !Files.exists(file)) {
            return m;
        }
        for (String line : Files.readAllLines(file)) {
            String[] kv = line.split("=");
            if (kv.length == 2 && kv[0].equals("cpu")) {
                m.put(-1, Long.parseLong(kv[1])); // the server's CPU time (ns), under a key no close code has
            } else if (kv.length == 2) {
                m.put(Integer.parseInt(kv[0]), Long.parseLong(kv[1]));
            }
        }
        return m;
    }

    /**
     * How many of this run's connections the server saw closed with the client's close frame (1001 going away), waiting
     * up to 5 s for its counts to catch up; the other codes (1006: no close frame) are listed if any.
     */
    private static String closesSeen(Path file, Map<Integer, Long> before, int expected) throws Exception {
        if (file == null) {
            return "server closes not counted";
        }
        Map<Integer, Long> delta = new TreeMap<>();
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        do {
            delta.clear();
            long total = 0;
            for (Map.Entry<Integer, Long> e : serverCloses(file).entrySet()) {
                if (e.getKey() < 0) {
                    continue;
                }
                long d = e.getValue() - before.getOrDefault(e.getKey(), 0L);
                if (d > 0) {
                    delta.put(e.getKey(), d);
                    total += d;
                }
            }
            if (total >= expected) {
                break;
            }
            Thread.sleep(100); // the server writes its counts every 100 ms
        } while (System.nanoTime() < until);
        StringBuilder s = new StringBuilder(String.format(Locale.ROOT, "%,d/%,d close frames",
                delta.getOrDefault(1001, 0L), expected));
        delta.forEach((code, d) -> {
            if (code != 1001 && code >= 0) {
                s.append(String.format(Locale.ROOT, ", %,d × %d", d, code));
            }
        });
        return s.toString();
    }

    /** The process's open sockets (file descriptors linked to {@code socket:[inode]}). */
    private static int openSockets() throws IOException {
        int n = 0;
        try (java.util.stream.Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            for (Path fd : (Iterable<Path>) fds::iterator) {
                try {
                    if (Files.readSymbolicLink(fd).toString().startsWith("socket:")) {
                        n++;
                    }
                } catch (IOException e) {
                    // closed meanwhile (the listing's own descriptor among them)
                }
            }
        }
        return n;
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

    /**
     * With the system property {@code scale.diag=<dir>}: at hold, writes the JVM's native memory summary (when the
     * client runs with {@code -XX:NativeMemoryTracking=summary}), a class histogram and the heap's used and committed
     * figures to files in that directory, for finding where the memory per connection goes.
     */
    private static void diagnostics(String label) throws Exception {
        String dir = System.getProperty("scale.diag");
        if (dir == null) {
            return;
        }
        javax.management.ObjectName dcmd = new javax.management.ObjectName("com.sun.management:type=DiagnosticCommand");
        javax.management.MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        String[] sig = {String[].class.getName()};
        Path d = Files.createDirectories(Path.of(dir));
        Object nmt = server.invoke(dcmd, "vmNativeMemory", new Object[] {new String[] {"summary"}}, sig);
        Files.writeString(d.resolve(label + "-nmt.txt"), String.valueOf(nmt));
        Object histo = server.invoke(dcmd, "gcClassHistogram", new Object[] {new String[0]}, sig);
        Files.writeString(d.resolve(label + "-histo.txt"), String.valueOf(histo));
        java.lang.management.MemoryUsage heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
        Files.writeString(d.resolve(label + "-heap.txt"), "heap used " + heap.getUsed() + " committed "
                + heap.getCommitted() + " rss " + rssBytes() + System.lineSeparator());
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
