package io.github.wspool.benchmarks;

import io.github.wspool.EndpointView;
import io.github.wspool.LoadBalancingStrategy;
import io.github.wspool.strategy.Strategies;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The cost of one endpoint pick for each built-in strategy, over 3 and 100 endpoints, on 1 and 8 threads sharing
 * one strategy instance (as a pool's acquirers do). Endpoints have varied weights, loads and latencies so that no
 * strategy gets a degenerate all-equal input.
 *
 * <pre>java -jar benchmarks/target/benchmarks.jar StrategyPickBenchmark</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class StrategyPickBenchmark {

    @Param({"roundRobin", "leastConnections", "weighted", "powerOfTwoChoices", "latencyAware"})
    public String strategy;

    @Param({"3", "100"})
    public int endpoints;

    private LoadBalancingStrategy picker;
    private List<EndpointView> candidates;

    @Setup
    public void setUp() {
        picker = switch (strategy) {
            case "roundRobin" -> Strategies.roundRobin();
            case "leastConnections" -> Strategies.leastConnections();
            case "weighted" -> Strategies.weighted();
            case "powerOfTwoChoices" -> Strategies.powerOfTwoChoices();
            case "latencyAware" -> Strategies.latencyAware();
            default -> throw new IllegalArgumentException("unknown strategy " + strategy);
        };
        SplittableRandom random = new SplittableRandom(7);
        candidates = new ArrayList<>(endpoints);
        for (int i = 0; i < endpoints; i++) {
            candidates.add(new BenchEndpoint(i, 1 + random.nextInt(5), random.nextInt(20),
                    TimeUnit.MILLISECONDS.toNanos(1 + random.nextInt(50))));
        }
        candidates = List.copyOf(candidates);
    }

    @Benchmark
    @Threads(1)
    public EndpointView pick1Thread() {
        return picker.select(candidates);
    }

    @Benchmark
    @Threads(8)
    public EndpointView pick8Threads() {
        return picker.select(candidates);
    }
}
