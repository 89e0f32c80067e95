package io.github.wspool.metrics;

import io.github.wspool.Endpoint;
import io.github.wspool.EndpointSnapshot;
import io.github.wspool.LoadBalancingStrategy;
import io.github.wspool.PoolReconfiguration;
import io.github.wspool.strategy.Strategies;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.net.URI;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A partial pool configuration sent to {@code POST /api/v1/pool/config}, checked field by field: a
 * {@link PoolReconfiguration} (for the settings it holds) plus endpoint weights (applied through
 * {@code PoolControl.updateWeight}). Every problem is a 422 naming the field and the value.
 *
 * <p>Durations are a number of milliseconds ({@code 2500}), an ISO-8601 duration ({@code "PT2.5S"}) or a number with a
 * unit ({@code "2500ms"}, {@code "2.5s"}, {@code "5m"}, {@code "1h"}). Strategies are named as in {@link Strategies}:
 * {@code roundRobin}, {@code leastConnections}, {@code weighted}, {@code powerOfTwoChoices}, {@code latencyAware}.
 */
final class ConfigChange {

    /** The settings a {@link PoolReconfiguration} carries, by their builder names, then {@code weights}. */
    static final List<String> SETTINGS = List.of("minConnections", "maxConnections", "strategy", "acquireTimeout",
            "idleTimeout", "maxLifetime", "healthCheckInterval", "weights");

    private static final Map<String, Supplier<LoadBalancingStrategy>> STRATEGIES = Map.of(
            "roundRobin", Strategies::roundRobin,
            "leastConnections", Strategies::leastConnections,
            "weighted", Strategies::weighted,
            "powerOfTwoChoices", Strategies::powerOfTwoChoices,
            "latencyAware", Strategies::latencyAware);

    private static final Pattern WITH_UNIT = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(ms|s|m|h)");
    private static final int MAX_QUOTED = 80;

    /** The reconfiguration, or {@code null} when only weights change. */
    final PoolReconfiguration reconfiguration;
    /** Endpoint (as configured) to new weight, in the order given. */
    final Map<URI, Integer> weights;
    /** What changes, setting name to value as text, for the answer. */
    final Map<String, Object> described;

    private ConfigChange(PoolReconfiguration reconfiguration, Map<URI, Integer> weights,
                         Map<String, Object> described) {
        this.reconfiguration = reconfiguration;
        this.weights = weights;
        this.described = described;
    }

    /**
     * Checks a parsed JSON body against the pool's endpoints.
     *
     * @param body      the JSON value (must be an object)
     * @param endpoints the pool's endpoints now, to resolve the keys of {@code weights}
     * @return the change, never empty
     * @throws AdminException 422 for a body that is not an object, an unknown field, a wrong value or no change
     */
    static ConfigChange parse(Object body, List<EndpointSnapshot> endpoints) {
        if (!(body instanceof Map<?, ?> fields)) {
            throw new AdminException(422, "the body must be a JSON object of settings to change, one or more of "
                    + SETTINGS + ", but was " + kind(body));
        }
        if (fields.isEmpty()) {
            throw new AdminException(422, "nothing to change: give one or more of " + SETTINGS);
        }
        PoolReconfiguration.Builder b = PoolReconfiguration.builder();
        boolean reconfigures = false;
        Map<URI, Integer> weights = new LinkedHashMap<>();
        Map<String, Object> described = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : fields.entrySet()) {
            String name = String.valueOf(e.getKey());
            Object value = e.getValue();
            try {
                switch (name) {
                    case "minConnections" -> b.minConnections(wholeNumber(name, value));
                    case "maxConnections" -> b.maxConnections(wholeNumber(name, value));
                    case "strategy" -> b.strategy(strategy(value));
                    case "acquireTimeout" -> b.acquireTimeout(duration(name, value));
                    case "idleTimeout" -> b.idleTimeout(duration(name, value));
                    case "maxLifetime" -> b.maxLifetime(duration(name, value));
                    case "healthCheckInterval" -> b.healthCheckInterval(duration(name, value));
                    case "weights" -> weights(value, endpoints, weights);
                    default -> throw new AdminException(422, "unknown setting " + quote(name) + ": the settings are "
                            + SETTINGS);
                }
            } catch (IllegalArgumentException | NullPointerException ex) {
                // the builder's own check (negative, below 1, null): it names the setting and the value
                throw invalid(name, value, ex.getMessage());
            }
            if (!"weights".equals(name)) {
                reconfigures = true;
            }
            described.put(name, value);
        }
        return new ConfigChange(reconfigures ? b.build() : null, weights, described);
    }

    private static int wholeNumber(String name, Object value) {
        if (value instanceof Integer || value instanceof Long || value instanceof Short || value instanceof Byte
                || value instanceof BigInteger) {
            long n = ((Number) value).longValue();
            if (value instanceof BigInteger big && big.bitLength() > 63 || n < Integer.MIN_VALUE
                    || n > Integer.MAX_VALUE) {
                throw invalid(name, value, "out of range");
            }
            return (int) n;
        }
        throw invalid(name, value, "a whole number is expected");
    }

    private static LoadBalancingStrategy strategy(Object value) {
        Supplier<LoadBalancingStrategy> s = value instanceof String name ? STRATEGIES.get(name) : null;
        if (s == null) {
            throw invalid("strategy", value, "one of " + STRATEGIES.keySet().stream().sorted().toList()
                    + " is expected");
        }
        return s.get();
    }

    private static Duration duration(String name, Object value) {
        if (value instanceof Integer || value instanceof Long || value instanceof BigInteger) {
            long ms = wholeNumberLong(name, value);
            return Duration.ofMillis(ms);
        }
        if (value instanceof String text) {
            String t = text.trim();
            Matcher m = WITH_UNIT.matcher(t.toLowerCase(Locale.ROOT));
            if (m.matches()) {
                BigDecimal amount = new BigDecimal(m.group(1));
                BigDecimal nanosPerUnit = BigDecimal.valueOf(switch (m.group(2)) {
                    case "ms" -> 1_000_000L;
                    case "s" -> 1_000_000_000L;
                    case "m" -> 60_000_000_000L;
                    default -> 3_600_000_000_000L;
                });
                try {
                    return Duration.ofNanos(amount.multiply(nanosPerUnit).longValueExact());
                } catch (ArithmeticException ex) {
                    throw invalid(name, value, "out of range");
                }
            }
            try {
                return Duration.parse(t);
            } catch (DateTimeParseException ex) {
                // fall through to the message below
            }
        }
        throw invalid(name, value, "a duration is expected: milliseconds (2500), \"2500ms\", \"2.5s\", \"5m\", \"1h\""
                + " or ISO-8601 (\"PT2.5S\")");
    }

    private static long wholeNumberLong(String name, Object value) {
        if (value instanceof BigInteger big && big.bitLength() > 63) {
            throw invalid(name, value, "out of range");
        }
        return ((Number) value).longValue();
    }

    private static void weights(Object value, List<EndpointSnapshot> endpoints, Map<URI, Integer> out) {
        if (!(value instanceof Map<?, ?> map) || map.isEmpty()) {
            throw invalid("weights", value, "an object of endpoint URI to weight is expected, e.g. {\""
                    + (endpoints.isEmpty() ? "ws://host:port/path" : Endpoint.describe(endpoints.get(0).uri()))
                    + "\": 3}");
        }
        for (Map.Entry<?, ?> e : map.entrySet()) {
            String key = String.valueOf(e.getKey());
            String field = "weights." + key;
            URI uri = null;
            for (EndpointSnapshot s : endpoints) {
                if (s.uri().toString().equals(key) || Endpoint.describe(s.uri()).equals(key)) {
                    uri = s.uri();
                    break;
                }
            }
            if (uri == null) {
                throw invalid(field, e.getKey(), "the pool has no such endpoint; it has "
                        + endpoints.stream().map(s -> Endpoint.describe(s.uri())).toList());
            }
            int weight = wholeNumber(field, e.getValue());
            if (weight < 1) {
                throw invalid(field, e.getValue(), "a weight is at least 1");
            }
            out.put(uri, weight);
        }
    }

    static AdminException invalid(String field, Object value, String why) {
        return new AdminException(422, "invalid value for " + field + ": " + quote(value)
                + (why == null || why.isBlank() ? "" : " (" + why + ")"));
    }

    /** A value as the caller wrote it, shortened: strings quoted, the rest as JSON would print it. */
    static String quote(Object value) {
        String s = value instanceof String str ? '"' + str + '"' : String.valueOf(value);
        s = s.replaceAll("[\\p{Cntrl}]", "?");
        return s.length() <= MAX_QUOTED ? s : s.substring(0, MAX_QUOTED) + "…";
    }

    private static String kind(Object body) {
        if (body == null) {
            return "null";
        }
        if (body instanceof List<?>) {
            return "an array";
        }
        if (body instanceof String) {
            return "a string";
        }
        if (body instanceof Number) {
            return "a number";
        }
        if (body instanceof Boolean) {
            return "a boolean";
        }
        return body.getClass().getSimpleName();
    }
}
