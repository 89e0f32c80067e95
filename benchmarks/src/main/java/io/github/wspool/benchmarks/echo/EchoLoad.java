package io.github.wspool.benchmarks.echo;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

/**
 * The echo run's client, one client kind and one connection count per JVM: opens {@code connections} WebSocket
 * connections to the {@link NettyEchoServer} with the chosen client, then runs the given scenarios one after another,
 * each as a warmup followed by {@value #ROUNDS} measured rounds, and prints one tab-separated {@code RESULT} line per
 * scenario (the median of the rounds for every figure; {@code #} lines before it show each round). {@link EchoTable}
 * turns the lines into the Markdown table.
 *
 * <p>Usage: {@code EchoLoad <wspool|jws|netty> <connections> <ws-uri> <scenario>...}, a scenario being
 * <ul>
 *   <li>{@code latency:T}: T caller threads, each doing one echo at a time with a 200 µs pause after each (light
 *       load); the figure of interest is the round trip's p50/p99/p99.9;</li>
 *   <li>{@code closed:T}: T threads in a closed loop (the next echo as soon as the last one is back): messages/s;</li>
 *   <li>{@code chains:C}: C independent asynchronous chains, each sending its next message from the callback of the
 *       previous echo ({@link EchoTarget#echoAsync}): messages/s and client CPU per message.</li>
 * </ul>
 * Every message is a ~100-byte JSON text with a unique {@code messageId}; each echo is checked to be its message.
 * The round trip is timed per message with {@link System#nanoTime()} around the whole lease (acquire, send, echo,
 * release) and kept in plain {@code long[]}s, sorted for the percentiles. Client CPU is the JVM's process CPU time
 * ({@code OperatingSystemMXBean.getProcessCpuTime()}, every thread, GC and JIT included) over the round divided by
 * the messages of the round; with the system property {@code echo.serverPid} the server's CPU (from
 * {@code /proc/<pid>/stat}, 10 ms ticks) is reported the same way. Context switches per message (voluntary and
 * involuntary, summed over the process's threads from {@code /proc/<pid>/task/<tid>/status}) show how many thread
 * hand-offs each client spends on a message.
 *
 * <p>System properties: {@code echo.warmupSeconds} (3), {@code echo.measureSeconds} (2),
 * {@code echo.nettyEventLoops} (2).
 */
public final class EchoLoad {

    static final int ROUNDS = 3;
    private static final long PAUSE_NANOS = TimeUnit.MICROSECONDS.toNanos(200);
    private static final String FILLER = "x".repeat(100);

    private final EchoTarget target;
    private final String client;
    private final int connections;
    private final long warmupMillis = (long) (Double.parseDouble(System.getProperty("echo.warmupSeconds", "3")) * 1000);
    private final long measureMillis = (long) (Double.parseDouble(System.getProperty("echo.measureSeconds", "2")) * 1000);
    private final long serverPid = Long.getLong("echo.serverPid", -1);

    /** The round being measured, or -1 (warmup, or between rounds): the recorders file each sample under it. */
    private volatile int round = -1;
    private volatile boolean running;
    private final LongAdder completed = new LongAdder();
    private final LongAdder failures = new LongAdder();
    private final AtomicBoolean failureShown = new AtomicBoolean();

    private EchoLoad(EchoTarget target, String client, int connections) {
        this.target = target;
        this.client = client;
        this.connections = connections;
    }

    /**
     * Runs the scenarios.
     *
     * @param args see the class comment
     * @throws Exception if the connections cannot be opened
     */
    public static void main(String[] args) throws Exception {
        String client = args[0];
        int n = Integer.parseInt(args[1]);
        URI uri = URI.create(args[2]);
        long t0 = System.nanoTime();
        EchoTarget target = switch (client) {
            case "wspool" -> WspoolTarget.open(uri.toString(), n);
            case "jws" -> JwsTarget.open(uri, n);
            case "netty" -> NettyTarget.open(uri, n, Integer.getInteger("echo.nettyEventLoops", 2));
            default -> throw new IllegalArgumentException("client must be wspool, jws or netty, but was " + client);
        };
        System.out.printf(Locale.ROOT, "# %s: %d connections open in %.2f s, %d JVM threads%n", client, n,
                (System.nanoTime() - t0) / 1e9, ManagementFactory.getThreadMXBean().getThreadCount());
        EchoLoad load = new EchoLoad(target, client, n);
        for (int i = 3; i < args.length; i++) {
            load.run(args[i]);
        }
        Thread closer = new Thread(target::close, "closer");
        closer.setDaemon(true);
        closer.start();
        closer.join(5000);
        System.exit(0);
    }

    private void run(String scenario) throws Exception {
        String[] parts = scenario.split(":");
        int width = Integer.parseInt(parts[1]);
        completed.reset();
        failures.reset();
        failureShown.set(false);
        round = -1;
        running = true;
        List<Recorder> recorders = new ArrayList<>();
        Runnable stop;
        switch (parts[0]) {
            case "latency" -> stop = threads(width, PAUSE_NANOS, recorders);
            case "closed" -> stop = threads(width, 0, recorders);
            case "chains" -> stop = chains(width, recorders);
            default -> throw new IllegalArgumentException("unknown scenario " + scenario);
        }
        Thread.sleep(warmupMillis);
        double[][] perRound = new double[ROUNDS][];
        for (int r = 0; r < ROUNDS; r++) {
            long ctx0 = contextSwitches("self");
            long srvCtx0 = serverPid < 0 ? -1 : contextSwitches(Long.toString(serverPid));
            long c0 = completed.sum();
            long cpu0 = cpuNanos();
            long srv0 = serverCpuNanos();
            long t0 = System.nanoTime();
            round = r;
            Thread.sleep(measureMillis);
            round = -1;
            long t1 = System.nanoTime();
            long cpu1 = cpuNanos();
            long srv1 = serverCpuNanos();
            long msgs = completed.sum() - c0;
            long ctx = contextSwitches("self") - ctx0;
            long srvCtx = serverPid < 0 ? -1 : contextSwitches(Long.toString(serverPid)) - srvCtx0;
            perRound[r] = new double[] {msgs / ((t1 - t0) / 1e9), (cpu1 - cpu0) / 1e3 / Math.max(1, msgs),
                    srv0 < 0 ? Double.NaN : (srv1 - srv0) / 1e3 / Math.max(1, msgs), 0, 0, 0,
                    ctx / (double) Math.max(1, msgs), srvCtx < 0 ? Double.NaN : srvCtx / (double) Math.max(1, msgs)};
        }
        running = false;
        stop.run();
        for (int r = 0; r < ROUNDS; r++) {
            long[] rtts = Recorder.merged(recorders, r);
            Arrays.sort(rtts);
            perRound[r][3] = pct(rtts, 50) / 1e3;
            perRound[r][4] = pct(rtts, 99) / 1e3;
            perRound[r][5] = pct(rtts, 99.9) / 1e3;
            System.out.printf(Locale.ROOT, "# %s %d %s round %d: %.0f msgs/s, p50 %.1f / p99 %.1f / p99.9 %.1f µs"
                            + " (%d samples), client CPU %.2f µs/msg, server CPU %.2f µs/msg, context switches per msg"
                            + " client %.2f, server %.2f%n", client, connections,
                    scenario, r + 1, perRound[r][0], perRound[r][3], perRound[r][4], perRound[r][5], rtts.length,
                    perRound[r][1], perRound[r][2], perRound[r][6], perRound[r][7]);
        }
        System.out.printf(Locale.ROOT, "RESULT\t%s\t%d\t%s\t%.0f\t%.1f\t%.1f\t%.1f\t%.2f\t%.2f\t%d\t%.2f\t%.2f%n", client,
                connections, scenario, median(perRound, 0), median(perRound, 3), median(perRound, 4),
                median(perRound, 5), median(perRound, 1), median(perRound, 2), failures.sum(), median(perRound, 6),
                median(perRound, 7));
        System.out.flush();
    }

    /** {@code n} threads, each echoing in a loop with {@code pauseNanos} after each echo; returns how to stop them. */
    private Runnable threads(int n, long pauseNanos, List<Recorder> recorders) {
        List<Thread> threads = new ArrayList<>(n);
        for (int t = 0; t < n; t++) {
            Recorder rec = new Recorder();
            recorders.add(rec);
            String prefix = "t" + t + "-";
            Thread th = new Thread(() -> {
                long seq = 0;
                while (running) {
                    String m = message(prefix, ++seq);
                    long start = System.nanoTime();
                    try {
                        target.echo(m);
                        rec.record(round, System.nanoTime() - start);
                        completed.increment();
                    } catch (Exception e) {
                        failed(e);
                    }
                    if (pauseNanos > 0) {
                        LockSupport.parkNanos(pauseNanos);
                    }
                }
            }, "echo-" + t);
            th.setDaemon(true);
            threads.add(th);
        }
        threads.forEach(Thread::start);
        return () -> {
            for (Thread th : threads) {
                try {
                    th.join(20_000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        };
    }

    /** {@code n} asynchronous chains; returns how to wait until each has seen {@code running} turn false. */
    private Runnable chains(int n, List<Recorder> recorders) {
        CountDownLatch stopped = new CountDownLatch(n);
        for (int c = 0; c < n; c++) {
            Recorder rec = new Recorder();
            recorders.add(rec);
            new Chain("c" + c + "-", rec, stopped).next();
        }
        return () -> {
            try {
                if (!stopped.await(20, TimeUnit.SECONDS)) {
                    System.out.println("# " + stopped.getCount() + " chains did not stop");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        };
    }

    /** One asynchronous chain: each echo's callback sends the next message. */
    private final class Chain {
        private final String prefix;
        private final Recorder rec;
        private final CountDownLatch stopped;
        private long seq;

        Chain(String prefix, Recorder rec, CountDownLatch stopped) {
            this.prefix = prefix;
            this.rec = rec;
            this.stopped = stopped;
        }

        void next() {
            if (!running) {
                stopped.countDown();
                return;
            }
            String m = message(prefix, ++seq);
            long start = System.nanoTime();
            target.echoAsync(m).whenComplete((r, e) -> {
                if (e != null) {
                    failed(e);
                    stopped.countDown(); // a failed chain ends (a synchronous failure could otherwise recurse)
                    return;
                }
                rec.record(round, System.nanoTime() - start);
                completed.increment();
                next();
            });
        }
    }

    private void failed(Throwable e) {
        failures.increment();
        if (failureShown.compareAndSet(false, true)) {
            System.out.println("# first failure: " + e);
        }
    }

    /**
     * A ~100-byte JSON message: {@code {"messageId":"<prefix><seq>","type":"quote","payload":"xxx…"}}.
     *
     * @param prefix the thread's or chain's prefix, which makes the id unique
     * @param seq    its sequence number
     * @return the message
     */
    static String message(String prefix, long seq) {
        String head = "{\"messageId\":\"" + prefix + seq + "\",\"type\":\"quote\",\"payload\":\"";
        return head + FILLER.substring(0, Math.max(4, 98 - head.length())) + "\"}";
    }

    private static long cpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    /** The server's user + system CPU time from {@code /proc/<pid>/stat}, or -1 without a pid. */
    private long serverCpuNanos() throws IOException {
        if (serverPid < 0) {
            return -1;
        }
        String stat = Files.readString(Path.of("/proc/" + serverPid + "/stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return (Long.parseLong(f[11]) + Long.parseLong(f[12])) * 10_000_000L; // fields 14 and 15, 100 ticks/s
    }

    /**
     * Voluntary plus involuntary context switches of every thread of a process, from {@code /proc/<pid>/task/*}
     * (threads that ended meanwhile are not counted).
     */
    private static long contextSwitches(String pid) throws IOException {
        long sum = 0;
        try (var tasks = Files.newDirectoryStream(Path.of("/proc", pid, "task"))) {
            for (Path task : tasks) {
                try {
                    for (String line : Files.readAllLines(task.resolve("status"))) {
                        if (line.contains("ctxt_switches:")) {
                            sum += Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
                        }
                    }
                } catch (IOException e) {
                    // the thread ended while we read
                }
            }
        }
        return sum;
    }

    private static double median(double[][] rows, int col) {
        double[] v = new double[rows.length];
        for (int i = 0; i < rows.length; i++) {
            v[i] = rows[i][col];
        }
        Arrays.sort(v);
        return v[v.length / 2];
    }

    private static long pct(long[] sorted, double p) {
        return sorted.length == 0 ? 0 : sorted[Math.max(0, (int) Math.ceil(p / 100 * sorted.length) - 1)];
    }

    /** Round-trip samples of one thread or chain, per round; written by one thread at a time. */
    static final class Recorder {
        private static final int MAX = 1 << 22;
        private final long[][] samples = new long[ROUNDS][1024];
        private final int[] sizes = new int[ROUNDS];

        void record(int r, long nanos) {
            if (r < 0) {
                return;
            }
            if (sizes[r] == samples[r].length) {
                if (sizes[r] == MAX) {
                    return;
                }
                samples[r] = Arrays.copyOf(samples[r], samples[r].length * 2);
            }
            samples[r][sizes[r]++] = nanos;
        }

        static long[] merged(List<Recorder> recorders, int r) {
            int total = 0;
            for (Recorder rec : recorders) {
                total += rec.sizes[r];
            }
            long[] all = new long[total];
            int at = 0;
            for (Recorder rec : recorders) {
                System.arraycopy(rec.samples[r], 0, all, at, rec.sizes[r]);
                at += rec.sizes[r];
            }
            return all;
        }
    }
}
