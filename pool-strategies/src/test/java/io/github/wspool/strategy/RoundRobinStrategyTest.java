package io.github.wspool.strategy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.wspool.EndpointView;
import io.github.wspool.LoadBalancingStrategy;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class RoundRobinStrategyTest {

    private static String picks(LoadBalancingStrategy s, List<TestEndpoint> endpoints, int n) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) {
            sb.append(((TestEndpoint) s.select(endpoints)).name);
        }
        return sb.toString();
    }

    @Test
    void rotatesInOrder() {
        assertEquals("abcabcabc", picks(new RoundRobinStrategy(0), TestEndpoint.named("a", "b", "c"), 9));
    }

    @Test
    void rotationIsUnbrokenAcrossIntegerMaxValue() {
        long start = Integer.MAX_VALUE - 4L;
        RoundRobinStrategy s = new RoundRobinStrategy(start);
        List<TestEndpoint> three = TestEndpoint.named("a", "b", "c");
        String seq = picks(s, three, 12);
        // every window of three consecutive picks holds each endpoint exactly once
        for (int i = 0; i + 3 <= seq.length(); i++) {
            Set<Character> window = new HashSet<>();
            for (char ch : seq.substring(i, i + 3).toCharArray()) {
                window.add(ch);
            }
            assertEquals(3, window.size(), "window at " + i + " of " + seq);
        }
    }

    @Test
    void oneEndpointIsAlwaysPicked() {
        List<TestEndpoint> one = TestEndpoint.named("only");
        LoadBalancingStrategy s = Strategies.roundRobin();
        for (int i = 0; i < 100; i++) {
            assertSame(one.get(0), s.select(one));
        }
    }

    @Test
    void startIsRandomizedAcrossInstances() {
        List<TestEndpoint> many = TestEndpoint.named("a", "b", "c", "d", "e", "f", "g", "h", "i", "j");
        Set<EndpointView> firsts = new HashSet<>();
        for (int i = 0; i < 200; i++) {
            firsts.add(Strategies.roundRobin().select(many));
        }
        assertTrue(firsts.size() >= 5, "200 new instances should not all start in the same place: " + firsts);
    }

    @Test
    void concurrentPicksAreNeitherLostNorSkewed() throws Exception {
        List<TestEndpoint> three = TestEndpoint.named("a", "b", "c");
        LoadBalancingStrategy s = Strategies.roundRobin();
        int threads = 8;
        int perThread = 30_000;
        Map<EndpointView, AtomicLong> counts = new ConcurrentHashMap<>();
        CountDownLatch go = new CountDownLatch(1);
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            Thread w = new Thread(() -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (int i = 0; i < perThread; i++) {
                    counts.computeIfAbsent(s.select(three), k -> new AtomicLong()).incrementAndGet();
                }
            });
            w.start();
            workers.add(w);
        }
        go.countDown();
        for (Thread w : workers) {
            w.join();
        }
        long total = counts.values().stream().mapToLong(AtomicLong::get).sum();
        assertEquals((long) threads * perThread, total, "no pick lost");
        for (TestEndpoint e : three) {
            assertEquals(total / 3, counts.get(e).get(), "exact thirds: one atomic counter never skews");
        }
    }
}
