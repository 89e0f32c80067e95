package io.github.wspool.strategy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.wspool.EndpointView;
import io.github.wspool.LoadBalancingStrategy;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class LoadAwareStrategiesTest {

    private static String sequence(LoadBalancingStrategy s, List<TestEndpoint> endpoints, int n) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) {
            sb.append(((TestEndpoint) s.select(endpoints)).name);
        }
        return sb.toString();
    }

    private static Map<String, Integer> distribution(LoadBalancingStrategy s, List<TestEndpoint> endpoints, int n) {
        Map<String, Integer> counts = new HashMap<>();
        for (TestEndpoint e : endpoints) {
            counts.put(e.name, 0);
        }
        for (int i = 0; i < n; i++) {
            counts.merge(((TestEndpoint) s.select(endpoints)).name, 1, Integer::sum);
        }
        return counts;
    }

    // ------------------------------------------------------------------ smooth weighted round-robin

    @Test
    void weightedIsSmoothLikeNginx() {
        List<TestEndpoint> e = TestEndpoint.named("a", "b", "c");
        e.get(0).weight = 5;
        assertEquals("aabacaa" + "aabacaa", sequence(Strategies.weighted(), e, 14));
    }

    @Test
    void weightedGivesExactSharesOverAFullCycleForWeights1To100() {
        List<TestEndpoint> e = new ArrayList<>();
        int total = 0;
        for (int w = 1; w <= 100; w++) {
            TestEndpoint t = new TestEndpoint("e" + w);
            t.weight = w;
            e.add(t);
            total += w;
        }
        Map<String, Integer> counts = distribution(Strategies.weighted(), e, total * 3);
        for (int w = 1; w <= 100; w++) {
            assertEquals(3 * w, counts.get("e" + w), "weight " + w);
        }
    }

    @Test
    void weightedNeverBurstsTheHeavyEndpoint() {
        List<TestEndpoint> e = TestEndpoint.named("a", "b");
        e.get(0).weight = 3;
        String seq = sequence(Strategies.weighted(), e, 40);
        assertTrue(!seq.contains("aaaa"), "at most three a in a row for 3:1: " + seq);
        assertTrue(!seq.contains("bb"), seq);
    }

    @Test
    void weightChangesTakeEffectWithoutARestart() {
        List<TestEndpoint> e = TestEndpoint.named("a", "b");
        LoadBalancingStrategy s = Strategies.weighted();
        assertEquals(Map.of("a", 50, "b", 50), distribution(s, e, 100));
        e.get(1).weight = 4;
        Map<String, Integer> after = distribution(s, e, 100);
        assertEquals(20, after.get("a"), after.toString());
        assertEquals(80, after.get("b"), after.toString());
    }

    @Test
    void weightedUnderConcurrencyLosesNoPickAndKeepsExactShares() throws Exception {
        List<TestEndpoint> e = TestEndpoint.named("a", "b", "c");
        e.get(0).weight = 5;
        Map<String, Long> counts = hammer(Strategies.weighted(), e, 8, 7_000);
        assertEquals(Map.of("a", 40_000L, "b", 8_000L, "c", 8_000L), counts);
    }

    // ------------------------------------------------------------------ least connections

    @Test
    void leastConnectionsFillsEqualEndpointsEvenly() {
        List<TestEndpoint> e = TestEndpoint.named("a", "b", "c");
        LoadBalancingStrategy s = Strategies.leastConnections();
        for (int i = 0; i < 12; i++) {
            ((TestEndpoint) s.select(e)).active++;
        }
        assertEquals(List.of(4, 4, 4), List.of(e.get(0).active, e.get(1).active, e.get(2).active));
    }

    @Test
    void leastConnectionsHonoursWeightsByCrossMultiplication() {
        List<TestEndpoint> e = TestEndpoint.named("a", "b");
        e.get(0).weight = 3;
        LoadBalancingStrategy s = Strategies.leastConnections();
        for (int i = 0; i < 40; i++) {
            ((TestEndpoint) s.select(e)).active++;
        }
        assertEquals(30, e.get(0).active);
        assertEquals(10, e.get(1).active);
    }

    @Test
    void leastConnectionsPicksTheStrictMinimumAndRotatesTies() {
        List<TestEndpoint> e = TestEndpoint.named("a", "b", "c");
        e.get(0).active = 2;
        e.get(1).active = 1;
        e.get(2).active = 1;
        LoadBalancingStrategy s = Strategies.leastConnections();
        Map<String, Integer> counts = distribution(s, e, 1_000);
        assertEquals(0, counts.get("a"), "never the more loaded one");
        assertEquals(500, counts.get("b"), "ties rotate, never always the first");
        assertEquals(500, counts.get("c"));
    }

    @Test
    void leastConnectionsRotationSurvivesCounterNearIntMax() {
        List<TestEndpoint> e = TestEndpoint.named("a", "b", "c");
        LoadBalancingStrategy s = LeastLoadStrategy.leastConnections(Integer.MAX_VALUE - 2L);
        assertEquals(Map.of("a", 100, "b", 100, "c", 100), distribution(s, e, 300));
    }

    // ------------------------------------------------------------------ power of two choices

    @Test
    void powerOfTwoChoicesSpreadsEqualLoadUniformly() {
        List<TestEndpoint> e = TestEndpoint.named("a", "b", "c", "d");
        Map<String, Integer> counts = distribution(Strategies.powerOfTwoChoices(), e, 20_000);
        // expected 5,000 each; binomial sd ~61, tolerance 5 sd
        for (String n : List.of("a", "b", "c", "d")) {
            assertTrue(Math.abs(counts.get(n) - 5_000) < 310, counts.toString());
        }
    }

    @Test
    void powerOfTwoChoicesNeverPicksTheMostLoadedOfMany() {
        List<TestEndpoint> e = TestEndpoint.named("a", "b", "c");
        e.get(2).active = 10;
        Map<String, Integer> counts = distribution(Strategies.powerOfTwoChoices(), e, 10_000);
        assertEquals(0, counts.get("c"), "two distinct candidates: the most loaded always loses");
        assertTrue(Math.abs(counts.get("a") - 5_000) < 300, counts.toString());
    }

    @Test
    void powerOfTwoChoicesDoesNotHerdOntoANewEndpoint() {
        // 10 endpoints with load, one new: a strict minimum would send everything to the new one
        List<TestEndpoint> e = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            TestEndpoint t = new TestEndpoint("old" + i);
            t.active = 5;
            e.add(t);
        }
        TestEndpoint fresh = new TestEndpoint("new");
        e.add(fresh);
        Map<String, Integer> counts = distribution(Strategies.powerOfTwoChoices(), e, 11_000);
        // the new endpoint wins only when drawn: 2 of 11 draws include it, ~2,000 of 11,000
        assertTrue(counts.get("new") > 1_700 && counts.get("new") < 2_300, counts.toString());
    }

    // ------------------------------------------------------------------ latency aware

    @Test
    void latencyAwareSendsLessToTheSlowEndpoint() {
        List<TestEndpoint> e = TestEndpoint.named("fast", "slow");
        e.get(0).latency = 1_000_000;
        e.get(1).latency = 10_000_000;
        LoadBalancingStrategy s = Strategies.latencyAware();
        // with no load the fast one always wins; as its leases grow past 9 the slow one becomes cheaper
        assertSame(e.get(0), s.select(e));
        e.get(0).active = 9;
        // Now both cost the same (1 ms x 10 = 10 ms x 1): every pick is a tie, broken by a coin the strategy draws
        // from ThreadLocalRandom, which cannot be seeded. So the count is asserted statistically, with a margin no
        // fair coin misses: "fast" is Binomial(1,000, 1/2), standard deviation 15.8; 150 either side is 9.5 of them,
        // and the chance of a fair coin landing outside is below 3 in 10^20 (Chernoff bound). A cost off by one lease,
        // or a tie not broken at random, sends (nearly) all 1,000 to one side.
        int fast = distribution(s, e, 1_000).get("fast");
        assertTrue(Math.abs(fast - 500) <= 150, "a tie, broken at random: " + fast + " of 1,000 to the fast one");
        e.get(0).active = 10;
        assertSame(e.get(1), s.select(e));
    }

    @Test
    void latencyAwareTriesEndpointsWithoutASample() {
        List<TestEndpoint> e = TestEndpoint.named("measured", "new");
        e.get(0).latency = 5_000_000;
        Map<String, Integer> counts = distribution(Strategies.latencyAware(), e, 2_000);
        assertNotEquals(0, counts.get("new"));
        assertTrue(Math.abs(counts.get("new") - 1_000) < 150, "an unmeasured endpoint costs as much as the known one: "
                + counts);
    }

    // ------------------------------------------------------------------ every strategy

    @Test
    void everyStrategyHandlesOneEndpoint() {
        List<TestEndpoint> one = TestEndpoint.named("only");
        for (LoadBalancingStrategy s : List.of(Strategies.roundRobin(), Strategies.leastConnections(),
                Strategies.weighted(), Strategies.powerOfTwoChoices(), Strategies.latencyAware())) {
            for (int i = 0; i < 10; i++) {
                assertSame(one.get(0), s.select(one), s.toString());
            }
        }
    }

    @Test
    void everyStrategyLosesNoPickUnderConcurrency() throws Exception {
        List<TestEndpoint> e = TestEndpoint.named("a", "b", "c");
        for (LoadBalancingStrategy s : List.of(Strategies.roundRobin(), Strategies.leastConnections(),
                Strategies.weighted(), Strategies.powerOfTwoChoices(), Strategies.latencyAware())) {
            Map<String, Long> counts = hammer(s, e, 8, 5_000);
            assertEquals(40_000L, counts.values().stream().mapToLong(Long::longValue).sum(), s.toString());
            for (long c : counts.values()) {
                assertTrue(c > 40_000 / 3 - 1_000 && c < 40_000 / 3 + 1_000, s + " skewed: " + counts);
            }
        }
    }

    private static Map<String, Long> hammer(LoadBalancingStrategy s, List<TestEndpoint> e, int threads, int perThread)
            throws InterruptedException {
        Map<String, AtomicLong> counts = new ConcurrentHashMap<>();
        CountDownLatch go = new CountDownLatch(1);
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            Thread w = new Thread(() -> {
                try {
                    go.await();
                } catch (InterruptedException ex) {
                    return;
                }
                for (int i = 0; i < perThread; i++) {
                    EndpointView v = s.select(e);
                    counts.computeIfAbsent(((TestEndpoint) v).name, k -> new AtomicLong()).incrementAndGet();
                }
            });
            w.start();
            workers.add(w);
        }
        go.countDown();
        for (Thread w : workers) {
            w.join();
        }
        Map<String, Long> result = new HashMap<>();
        counts.forEach((k, v) -> result.put(k, v.get()));
        return result;
    }
}
