package io.github.wspool.benchmarks.scale;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The longest GC pause in each phase of a scale run, read from the client's own GC log ({@code -Xlog:gc:file=...},
 * default decorations: the JVM's uptime first). Every pause counts (young, mixed, remark, cleanup, and any full GC
 * the JVM decided on) except the full GCs the client asks for itself to measure the heap ({@code System.gc()}, and
 * the heap inspection of a class histogram).
 */
final class GcPauses {

    /** {@code [12.345s][info][gc] GC(7) Pause Young (Normal) (G1 Evacuation Pause) 94M->16M(196M) 55.424ms}. */
    private static final Pattern PAUSE = Pattern.compile("^\\[([0-9.]+)s\\].*\\bGC\\(\\d+\\) (Pause .*) ([0-9.]+)ms$");

    private GcPauses() {
    }

    /**
     * The longest pause per phase.
     *
     * @param gcLog      the log file, or {@code null}
     * @param boundaries JVM uptimes (ms) where phases start and end: phase {@code i} is
     *                   {@code [boundaries[i], boundaries[i + 1])}, by the time the pause ended
     * @return the longest pause in each phase, ms; {@code 0} if none, {@code -1} for all without a log
     * @throws IOException if the log cannot be read
     */
    static double[] longest(String gcLog, long[] boundaries) throws IOException {
        double[] longest = new double[boundaries.length - 1];
        if (gcLog == null) {
            Arrays.fill(longest, -1);
            return longest;
        }
        List<String> lines = Files.readAllLines(Path.of(gcLog));
        for (String line : lines) {
            Matcher m = PAUSE.matcher(line);
            if (!m.matches() || m.group(2).contains("System.gc()") || m.group(2).contains("Heap Inspection")) {
                continue;
            }
            double endedAt = Double.parseDouble(m.group(1)) * 1000;
            double millis = Double.parseDouble(m.group(3));
            for (int i = 0; i < longest.length; i++) {
                if (endedAt >= boundaries[i] && endedAt < boundaries[i + 1]) {
                    longest[i] = Math.max(longest[i], millis);
                }
            }
        }
        return longest;
    }
}
