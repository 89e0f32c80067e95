package io.github.wspool.core.internal.fleet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.awaitility.Awaitility.await;

import io.github.wspool.EndpointResolver;
import io.github.wspool.EndpointResolver.Target;
import io.github.wspool.core.DnsResolverOptions;
import io.github.wspool.core.EndpointResolvers;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The DNS resolver on its own: the sets it makes, when it looks up, what a failed lookup does, its threads. */
@SuppressWarnings("try") // subscriptions held open by try-with-resources
class DnsEndpointResolverTest {

    /** A name service answering what the test says, counting and timing its lookups. */
    static final class ScriptedNames implements DnsResolverOptions.NameService {
        final AtomicReference<List<String>> answer = new AtomicReference<>(List.of());
        final AtomicReference<UnknownHostException> failure = new AtomicReference<>();
        final List<Long> lookupTimes = new CopyOnWriteArrayList<>();
        final AtomicInteger running = new AtomicInteger();
        final AtomicInteger maxRunning = new AtomicInteger();
        volatile CountDownLatch block;

        @Override
        public List<InetAddress> lookup(String host) throws UnknownHostException {
            lookupTimes.add(System.nanoTime());
            maxRunning.accumulateAndGet(running.incrementAndGet(), Math::max);
            try {
                CountDownLatch b = block;
                if (b != null) {
                    b.await(10, TimeUnit.SECONDS);
                }
                UnknownHostException f = failure.get();
                if (f != null) {
                    throw f;
                }
                List<InetAddress> out = new ArrayList<>();
                for (String a : answer.get()) {
                    out.add(InetAddress.getByName(a));
                }
                return out;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new UnknownHostException("interrupted");
            } finally {
                running.decrementAndGet();
            }
        }

        int lookups() {
            return lookupTimes.size();
        }
    }

    private static final class Sets implements EndpointResolver.Listener {
        final List<List<Target>> received = new CopyOnWriteArrayList<>();

        @Override
        public void endpoints(Collection<Target> endpoints) {
            received.add(List.copyOf(endpoints));
        }

        Set<String> last() {
            return received.get(received.size() - 1).stream().map(t -> t.uri().toString())
                    .collect(Collectors.toSet());
        }
    }

    private static DnsResolverOptions options(ScriptedNames names, Duration refresh, Duration min) {
        return new DnsResolverOptions(refresh, min, Duration.ofMillis(300), 1, names);
    }

    @Test
    void everyAddressIsAnEndpointWithTheTemplatesPortPathQueryAndTheNameAsServerName() throws Exception {
        ScriptedNames names = new ScriptedNames();
        names.answer.set(List.of("10.0.0.2", "::1", "10.0.0.1", "10.0.0.1"));
        EndpointResolver dns = EndpointResolvers.dns(URI.create("wss://svc.example:8443/feed?v=2"),
                options(names, Duration.ofHours(1), Duration.ofMinutes(1)).withWeight(3));
        Sets sets = new Sets();
        try (AutoCloseable sub = dns.subscribe(sets)) {
            await().atMost(Duration.ofSeconds(5)).until(() -> !sets.received.isEmpty());
            List<Target> first = sets.received.get(0);
            assertEquals(List.of("wss://10.0.0.1:8443/feed?v=2", "wss://10.0.0.2:8443/feed?v=2",
                    "wss://[0:0:0:0:0:0:0:1]:8443/feed?v=2"),
                    first.stream().map(t -> t.uri().toString()).collect(Collectors.toList()));
            for (Target t : first) {
                assertEquals("svc.example", t.serverName());
                assertEquals(3, t.weight());
                assertTrue(t.uri().getHost() != null && t.uri().getPort() == 8443, t.uri().toString());
            }
        }
        assertTrue(dns.toString().contains("svc.example"), dns.toString());
        assertFalse(dns.toString().contains("v=2"), dns.toString());
    }

    @Test
    void connectFailuresRefreshSoonButNeverTwiceWithinTheMinimumInterval() throws Exception {
        ScriptedNames names = new ScriptedNames();
        names.answer.set(List.of("127.0.0.1"));
        Duration min = Duration.ofMillis(250);
        EndpointResolver dns = EndpointResolvers.dns(URI.create("ws://svc.example:1/"),
                options(names, Duration.ofHours(1), min));
        Sets sets = new Sets();
        try (AutoCloseable sub = dns.subscribe(sets)) {
            await().atMost(Duration.ofSeconds(5)).until(() -> names.lookups() == 1);
            URI endpoint = sets.received.get(0).get(0).uri();
            // a storm of connect failures: each asks for a refresh
            await().atMost(Duration.ofSeconds(10)).until(() -> {
                dns.connectFailed(endpoint);
                return names.lookups() >= 4;
            });
            List<Long> times = new ArrayList<>(names.lookupTimes);
            for (int i = 1; i < times.size(); i++) {
                long gap = times.get(i) - times.get(i - 1);
                assertTrue(gap >= min.toNanos() - TimeUnit.MILLISECONDS.toNanos(5),
                        "gap before lookup " + i + ": " + TimeUnit.NANOSECONDS.toMillis(gap) + " ms");
            }
            assertEquals(1, names.maxRunning.get());
            // without failures, the next lookup is an hour away: at most the one the last hint planned follows
            int after = names.lookups();
            await().during(Duration.ofMillis(700)).atMost(Duration.ofSeconds(2))
                    .until(() -> names.lookups() <= after + 1);
            assertEquals(1, sets.received.size()); // the same answer each time: no new set
        }
    }

    @Test
    void aFailedOrEmptyLookupKeepsTheSetAndAChangedAnswerReplacesIt() throws Exception {
        ScriptedNames names = new ScriptedNames();
        names.answer.set(List.of("127.0.0.1", "127.0.0.2"));
        EndpointResolver dns = EndpointResolvers.dns(URI.create("ws://svc.example:9/x"),
                options(names, Duration.ofMillis(100), Duration.ofMillis(50)));
        Sets sets = new Sets();
        try (AutoCloseable sub = dns.subscribe(sets)) {
            await().atMost(Duration.ofSeconds(5)).until(() -> sets.received.size() == 1);
            names.failure.set(new UnknownHostException("svc.example: SERVFAIL"));
            int failedFrom = names.lookups();
            await().atMost(Duration.ofSeconds(5)).until(() -> names.lookups() >= failedFrom + 3);
            names.failure.set(null);
            names.answer.set(List.of());
            int emptyFrom = names.lookups();
            await().atMost(Duration.ofSeconds(5)).until(() -> names.lookups() >= emptyFrom + 3);
            assertEquals(1, sets.received.size()); // neither a failure nor an empty answer made a set
            names.answer.set(List.of("127.0.0.2", "127.0.0.3"));
            await().atMost(Duration.ofSeconds(5)).until(() -> sets.received.size() == 2);
            assertEquals(Set.of("ws://127.0.0.2:9/x", "ws://127.0.0.3:9/x"), sets.last());
        }
    }

    @Test
    void aLookupPastItsTimeoutCountsAsFailedAndNoSecondOneStartsWhileItHangs() throws Exception {
        ScriptedNames names = new ScriptedNames();
        names.answer.set(List.of("127.0.0.1"));
        EndpointResolver dns = EndpointResolvers.dns(URI.create("ws://svc.example:9/"),
                options(names, Duration.ofMillis(100), Duration.ofMillis(50)));
        Sets sets = new Sets();
        try (AutoCloseable sub = dns.subscribe(sets)) {
            await().atMost(Duration.ofSeconds(5)).until(() -> sets.received.size() == 1);
            CountDownLatch hang = new CountDownLatch(1);
            names.block = hang;
            // a lookup hangs in the name service (it stays there past its 300 ms timeout)
            await().during(Duration.ofMillis(400)).atMost(Duration.ofSeconds(3)).until(() -> names.running.get() == 1);
            int hung = names.lookups();
            // later refreshes (every 100 ms) find it still running and do not start another
            await().during(Duration.ofMillis(800)).atMost(Duration.ofSeconds(3))
                    .until(() -> names.lookups() == hung);
            assertEquals(1, names.maxRunning.get());
            names.block = null;
            names.answer.set(List.of("127.0.0.4"));
            hang.countDown();
            await().atMost(Duration.ofSeconds(5)).until(() -> sets.received.size() == 2);
            assertEquals(Set.of("ws://127.0.0.4:9/"), sets.last());
        }
    }

    @Test
    void theLookupThreadsStopWhenTheLastSubscriptionCloses() throws Exception {
        ScriptedNames names = new ScriptedNames();
        names.answer.set(List.of("127.0.0.1"));
        EndpointResolver dns = EndpointResolvers.dns(URI.create("ws://threads.example:9/"),
                options(names, Duration.ofMillis(100), Duration.ofMillis(50)));
        Sets a = new Sets();
        Sets b = new Sets();
        AutoCloseable subA = dns.subscribe(a);
        AutoCloseable subB = dns.subscribe(b);
        await().atMost(Duration.ofSeconds(5)).until(() -> !a.received.isEmpty() && !b.received.isEmpty());
        List<Thread> threads = dnsThreads();
        assertFalse(threads.isEmpty());
        threads.forEach(t -> assertTrue(t.isDaemon(), t.getName()));
        subA.close();
        int lookups = names.lookups();
        await().atMost(Duration.ofSeconds(5)).until(() -> names.lookups() > lookups + 1); // b still follows
        subB.close();
        subB.close(); // twice: harmless
        await().atMost(Duration.ofSeconds(5)).until(() -> dnsThreads().isEmpty());
    }

    private static List<Thread> dnsThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith("wspool-dns-threads.example") && t.isAlive())
                .collect(Collectors.toList());
    }

    @Test
    void fixedGivesItsSetOnSubscribe() throws Exception {
        Sets sets = new Sets();
        EndpointResolver fixed = EndpointResolvers.fixed(List.of(URI.create("ws://a:1/"), URI.create("ws://b:2/"),
                URI.create("ws://a:1/")));
        try (AutoCloseable sub = fixed.subscribe(sets)) {
            assertEquals(1, sets.received.size());
            assertEquals(Set.of("ws://a:1/", "ws://b:2/"), sets.last());
        }
        assertTrue(fixed.toString().contains("ws://a:1/"), fixed.toString());
    }
}
