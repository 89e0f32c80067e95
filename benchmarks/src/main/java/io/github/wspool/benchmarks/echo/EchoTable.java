package io.github.wspool.benchmarks.echo;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Turns the {@code RESULT} lines of {@link EchoLoad} (read from standard input, other lines ignored) into the echo
 * run's Markdown table: one row per scenario, connection count and client (wspool, then raw Java-WebSocket, then
 * Netty) with throughput, round-trip percentiles, CPU and context switches per message of both JVMs, and on the rows
 * of the two baselines the ratios {@code wspool ÷ this} for messages/s, p99 and client CPU per message. Below it, the
 * light-load latency budget (wspool p99 ≤ 100 µs) is checked.
 */
public final class EchoTable {

    private static final List<String> CLIENTS = List.of("wspool", "jws", "netty");
    private static final double P99_BUDGET_US = 100;

    private EchoTable() {
    }

    /**
     * Prints the table.
     *
     * @param args unused
     * @throws Exception if standard input cannot be read
     */
    public static void main(String[] args) throws Exception {
        Map<String, Map<String, String[]>> rows = new LinkedHashMap<>(); // scenario|conns -> client -> fields
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        for (String line; (line = in.readLine()) != null; ) {
            if (line.startsWith("RESULT\t")) {
                String[] f = line.split("\t");
                rows.computeIfAbsent(order(f[3]) + "|" + f[3] + "|" + f[2], k -> new LinkedHashMap<>()).put(f[1], f);
            }
        }
        List<String> keys = new ArrayList<>(rows.keySet());
        keys.sort((a, b) -> {
            String[] x = a.split("\\|");
            String[] y = b.split("\\|");
            int c = x[0].compareTo(y[0]);
            if (c == 0) {
                c = Integer.compare(Integer.parseInt(x[1].split(":")[1]), Integer.parseInt(y[1].split(":")[1]));
            }
            return c != 0 ? c : Integer.compare(Integer.parseInt(x[2]), Integer.parseInt(y[2]));
        });
        System.out.println("| scenario | conns | client | msgs/s | RTT p50 / p99 / p99.9 (µs) | client CPU µs/msg"
                + " | server CPU µs/msg | context switches/msg client, server | wspool ÷ this: msgs/s | wspool ÷ this: p99"
                + " | wspool ÷ this: CPU/msg | failures |");
        System.out.println("|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        List<String> budget = new ArrayList<>();
        for (String key : keys) {
            Map<String, String[]> byClient = rows.get(key);
            String[] w = byClient.get("wspool");
            for (String client : CLIENTS) {
                String[] f = byClient.get(client);
                if (f == null) {
                    continue;
                }
                boolean base = !client.equals("wspool") && w != null;
                System.out.printf(Locale.ROOT, "| %s | %,d | %s | %,.0f | %s / %s / %s | %s | %s | %s, %s | %s | %s | %s | %s |%n",
                        label(f[3]), Integer.parseInt(f[2]), name(client), d(f[4]), f[5], f[6], f[7], f[8], f[9],
                        f.length > 12 ? f[11] : "", f.length > 12 ? f[12] : "",
                        base ? ratio(d(w[4]), d(f[4])) : "", base ? ratio(d(w[6]), d(f[6])) : "",
                        base ? ratio(d(w[8]), d(f[8])) : "", f[10]);
            }
            if (w != null && w[3].startsWith("latency")) {
                budget.add(String.format(Locale.ROOT, "%,d connections: wspool p99 %s µs, %s", Integer.parseInt(w[2]),
                        w[6], d(w[6]) <= P99_BUDGET_US ? "met" : "not met"));
            }
        }
        if (!budget.isEmpty()) {
            System.out.println();
            System.out.println("Light-load latency budget (wspool p99 ≤ 100 µs): " + String.join("; ", budget) + ".");
        }
    }

    private static String order(String scenario) {
        return switch (scenario.split(":")[0]) {
            case "latency" -> "1";
            case "closed" -> scenario.equals("closed:512") ? "4" : "2";
            case "chains" -> "3";
            default -> "9";
        };
    }

    private static String label(String scenario) {
        String n = scenario.split(":")[1];
        return switch (scenario.split(":")[0]) {
            case "latency" -> "1 light-load latency, " + n + " callers, 200 µs pause";
            case "closed" -> (n.equals("512") ? "4" : "2") + " closed loop, " + n + " threads";
            case "chains" -> "3 async chains × " + n;
            default -> scenario;
        };
    }

    private static String name(String client) {
        return switch (client) {
            case "wspool" -> "**wspool**";
            case "jws" -> "raw Java-WebSocket";
            case "netty" -> "Netty";
            default -> client;
        };
    }

    private static double d(String s) {
        return Double.parseDouble(s);
    }

    private static String ratio(double wspool, double other) {
        return other == 0 || Double.isNaN(other) ? "" : String.format(Locale.ROOT, "%.2f", wspool / other);
    }
}
