package io.github.wspool.benchmarks.scale;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntSupplier;

/**
 * The measurements of one scale run, shared by the pool's client ({@link ScaleClient}) and the Netty peer
 * ({@link NettyScaleClient}) so that both rows are taken the same way: the baseline before any connection, the
 * connect times, the figures at hold, the echo workload's driver, the close's timing, the GC log split by phase, and
 * the Markdown row (plus the {@code scale.tsv} line and the phases' bounds on stderr).
 *
 * <p>A run calls, in order: {@link #baseline()}, {@link #starting()}, {@link #allOpen}, {@link #hold},
 * {@link #echo}, {@link #closing}, {@link #closed()}, {@link #report}. Memory per connection is the growth over the
 * baseline: RSS from {@code /proc/self/status}, heap used after a full GC. Threads are the JVM's live threads
 * ({@code ThreadMXBean}), all of them. See {@link ScaleClient} for the system properties.
 */
final class ScaleMeasurement {

    /** Threads of the echo workload: each takes a connection, sends one request, waits for its echo, gives it back. */
    static final int ECHO_THREADS = 8;

    /** One request and its echo over a connection the caller takes and gives back, as {@link #echo} drives it. */
    @FunctionalInterface
    interface RoundTrip {
        /**
         * Takes a connection, sends {@code message}, waits for its echo, gives the connection back.
         *
         * @param message the request
         * @throws Exception if the request failed or timed out
         */
        void run(String message) throws Exception;
    }

    private final int threadsBefore;
    private final int socketsBefore;
    private final long heapBefore;
    private final long rssBefore;
    private final Path serverCloses;
    private final Map<Integer, Long> closesBefore;
    /** JVM uptime (ms) at: start, all open, hold measured, echo done, close start, end. */
    private final long[] phases = new long[6];
    private long start;
    private long connectTotal;
    private Collection<Long> connectNanos = List.of();
    private int opened;
    private int threadsHeld;
    private long rssHeld;
    private long committedHeld;
    private long heapHeld;
    private long echoStart;
    private long failures;
    private long[] ok = new long[0];
    private long closeStart;
    private long closeNanos;
    private Thread timeline;

    private ScaleMeasurement() throws IOException {
        threadsBefore = threads();
        // the JDK keeps one socket pair per process from the first NIO socket it closes on (FileDispatcherImpl's
        // pre-close descriptor, strace: socketpair in FileDispatcherImpl.init): made here, before the baseline, so
        // that "sockets left" counts only what the client left open
        java.nio.channels.SocketChannel.open().close();
        socketsBefore = openSockets();
        heapBefore = heapAfterGc();
        rssBefore = rssBytes();
        serverCloses = System.getProperty("scale.serverCloses") == null ? null
                : Path.of(System.getProperty("scale.serverCloses"));
        closesBefore = serverCloses(serverCloses);
    }

    /**
     * Takes the baseline: the JVM's threads, open sockets, heap after a full GC, RSS, and the server's close counts,
     * before the client under test exists.
     *
     * @return the run's measurement
     * @throws IOException if {@code /proc} or the server's counts cannot be read
     */
    static ScaleMeasurement baseline() throws IOException {
        return new ScaleMeasurement();
    }

    /** The client under test is about to be built: the ramp's clock starts. */
    void starting() {
        phases[0] = uptimeMillis();
        start = System.nanoTime();
    }

    /**
     * The ramp is over (all open, or given up on).
     *
     * @param connects each opened connection's connect time (ns), kept and read again at {@link #report}
     * @return how many opened
     */
    int allOpen(Collection<Long> connects) {
        connectTotal = System.nanoTime() - start;
        phases[1] = uptimeMillis();
        connectNanos = connects;
        opened = connects.size();
        return opened;
    }

    /**
     * Holds the connections for {@code holdSeconds} (the client keeps them alive meanwhile), then measures threads,
     * RSS, heap committed, and heap live after a full GC; with {@code scale.diag}, writes the diagnostics.
     *
     * @param holdSeconds how long
     * @param label       the diagnostics' file name prefix
     * @throws Exception if interrupted, or the diagnostics fail
     */
    void hold(int holdSeconds, String label) throws Exception {
        Thread.sleep(TimeUnit.SECONDS.toMillis(holdSeconds));
        threadsHeld = threads();
        rssHeld = rssBytes();
        committedHeld = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getCommitted();
        phases[2] = uptimeMillis();
        heapHeld = heapAfterGc();
        diagnostics(label);
    }

    /**
     * The echo workload: {@code requests} round trips from {@link #ECHO_THREADS} threads, each timed from taking the
     * connection to its echo; a failed one counts as a failure.
     *
     * @param requests  how many
     * @param roundTrip one request over a connection the call takes and gives back
     * @throws InterruptedException if interrupted
     */
    void echo(int requests, RoundTrip roundTrip) throws InterruptedException {
        echoStart = uptimeMillis();
        long[] rtts = new long[requests];
        AtomicInteger next = new AtomicInteger();
        AtomicLong ids = new AtomicLong();
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < ECHO_THREADS; t++) {
            Thread th = new Thread(() -> {
                int i;
                while ((i = next.getAndIncrement()) < requests) {
                    String msg = "{\"messageId\":\"" + ids.incrementAndGet() + "\",\"payload\":\"0123456789abcdef\"}";
                    long t0 = System.nanoTime();
                    try {
                        roundTrip.run(msg);
                        rtts[i] = System.nanoTime() - t0;
                    } catch (Exception e) {
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
        phases[3] = uptimeMillis();
        failures = rtts.length == 0 ? requests : Arrays.stream(rtts).filter(x -> x < 0).count();
        ok = Arrays.stream(rtts).filter(x -> x >= 0).sorted().toArray();
    }

    /**
     * The close is about to start: its clock starts; with {@code scale.diag}, a close timeline runs on stderr.
     *
     * @param held the connections the client still holds (read every 100 ms by the timeline only)
     */
    void closing(IntSupplier held) {
        phases[4] = uptimeMillis();
        closeStart = System.nanoTime();
        timeline = closeTimeline(held, serverCloses, closesBefore, closeStart);
    }

    /**
     * The close is over.
     *
     * @throws InterruptedException if interrupted
     */
    void closed() throws InterruptedException {
        closeNanos = System.nanoTime() - closeStart;
        if (timeline != null) {
            timeline.interrupt();
            timeline.join();
        }
        phases[5] = uptimeMillis();
    }

    /**
     * Counts the sockets left and the server's close codes, reads the GC log by phase, and prints the row (stdout),
     * the phases' bounds (stderr) and the {@code scale.tsv} line.
     *
     * @param transport the row's first column
     * @param n         the connections asked for
     * @throws Exception if a file cannot be read or written
     */
    void report(String transport, int n) throws Exception {
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
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        }
    }

    /**
     * With {@code scale.diag}: every 100 ms of the close, the connections the client still holds and the closes the
     * server has seen, on stderr (where the time of a slow close goes).
     */
    private static Thread closeTimeline(IntSupplier held, Path serverCloses, Map<Integer, Long> before, long start) {
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
                            (System.nanoTime() - start) / 1_000_000, held.getAsInt(), seen, clientCpu / 1_000_000,
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
     * up to 5 s for its counts to catch up; the other codes (1006: no close frame) are listed if any. Without the
     * counts file (a server that writes none), says so instead of waiting for counts that never come.
     */
    private static String closesSeen(Path file, Map<Integer, Long> before, int expected) throws Exception {
        if (file == null || !Files.exists(file)) { // the Netty echo server does not count them
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
