package io.github.wspool.core.internal.connection;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.wspool.ConnectionState;
import io.github.wspool.core.internal.messaging.Messaging;
import io.github.wspool.core.spi.TransportOptions;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** An endpoint's connection array: exact snapshots that never change, in insertion order, across adds and removes. */
class ConnectionArrayTest {

    private static final ConnectionOwner OWNER = new ConnectionOwner() {
        @Override
        public void onTransition(ManagedConnection c, ConnectionState from, ConnectionState to) {
        }

        @Override
        public void onIllegalTransition(ManagedConnection c, ConnectionState from, ConnectionState to) {
        }

        @Override
        public void release(Lease lease) {
        }

        @Override
        public Messaging messaging() {
            throw new AssertionError("not used");
        }
    };

    private static EndpointState endpoint() {
        return new EndpointState(URI.create("ws://127.0.0.1:1/"), 1, new EndpointCaps(Integer.MAX_VALUE, 8, 1),
                CircuitBreaker.ofDefaults("t"), new Backoff(1, 1, 2.0, b -> b), null,
                new TransportOptions(Duration.ofSeconds(1), 1024, Map.of(), "t"), 1);
    }

    @Test
    void snapshotsAreExactOrderedAndNeverChangeAfterwards() {
        EndpointState e = endpoint();
        assertEquals(0, e.connections().length);
        List<ManagedConnection> expected = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            ManagedConnection c = new ManagedConnection("c-" + i, e, OWNER, 0);
            e.add(c);
            expected.add(c);
        }
        ManagedConnection[] before = e.connections();
        assertArrayEquals(expected.toArray(), before);
        assertSame(before, e.connections(), "no change, no copy: readers share one array");

        ManagedConnection removed = expected.remove(40);
        e.remove(removed);
        e.remove(removed); // not there any more: nothing happens
        assertEquals(100, before.length, "an array handed out never changes");
        ManagedConnection[] after = e.connections();
        assertNotSame(before, after);
        assertArrayEquals(expected.toArray(), after);

        for (ManagedConnection c : List.copyOf(expected)) {
            e.remove(c);
        }
        assertEquals(0, e.connections().length);
        assertArrayEquals(expected.toArray(), after, "the earlier snapshot is still intact");
        e.add(removed);
        assertArrayEquals(new ManagedConnection[] {removed}, e.connections());
    }

    @Test
    void concurrentAddsAndRemovesLoseNothing() throws Exception {
        EndpointState e = endpoint();
        int threads = 4;
        int each = 2_000;
        CountDownLatch start = new CountDownLatch(1);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        List<Thread> started = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int id = t;
            Thread th = new Thread(() -> {
                try {
                    start.await();
                    List<ManagedConnection> mine = new ArrayList<>();
                    for (int i = 0; i < each; i++) {
                        ManagedConnection c = new ManagedConnection(id + "-" + i, e, OWNER, 0);
                        e.add(c);
                        mine.add(c);
                        for (ManagedConnection x : e.connections()) {
                            if (x == null) {
                                throw new AssertionError("a snapshot held a null");
                            }
                        }
                        if (i % 2 == 1) {
                            e.remove(mine.remove(mine.size() - 2)); // keeps every second one
                        }
                    }
                } catch (Throwable x) {
                    failure.compareAndSet(null, x);
                }
            });
            th.start();
            started.add(th);
        }
        start.countDown();
        for (Thread th : started) {
            th.join();
        }
        if (failure.get() != null) {
            throw new AssertionError(failure.get());
        }
        assertEquals(threads * each / 2, e.connections().length);
    }
}
