package io.github.wspool.core.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.wspool.PoolListener;
import io.github.wspool.PooledConnection;
import io.github.wspool.core.BuilderAccess;
import io.github.wspool.core.WebSocketPools;
import io.github.wspool.core.spi.InMemoryTransport;
import io.github.wspool.event.AcquireEvent;
import io.github.wspool.event.ConnectEvent;
import io.github.wspool.event.ConnectionStateChange;
import io.github.wspool.event.RecycleEvent;
import io.github.wspool.event.ReleaseEvent;
import java.net.ConnectException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

class PoolListenerTest {

    private static final class Recorder implements PoolListener {
        final List<String> events = new CopyOnWriteArrayList<>();

        @Override
        public void onStateChange(ConnectionStateChange e) {
            events.add(e.connectionId() + " " + e.from() + "->" + e.to());
        }

        @Override
        public void onConnect(ConnectEvent e) {
            events.add(e.connectionId() + " connect " + (e.succeeded() ? "ok" : "failed: " + e.failure().getMessage()));
        }

        @Override
        public void onAcquire(AcquireEvent e) {
            events.add(e.connectionId() + " acquired");
        }

        @Override
        public void onRelease(ReleaseEvent e) {
            events.add(e.connectionId() + " released after " + e.held().toMillis() + " ms");
        }

        @Override
        public void onRecycle(RecycleEvent e) {
            events.add(e.connectionId() + " recycle " + e.reason().tagValue());
        }
    }

    @Test
    void everyTransitionOfALeaseIsObservableInOrder() {
        FakeTicker ticker = new FakeTicker();
        Recorder recorder = new Recorder();
        DefaultWebSocketPool pool = DefaultWebSocketPool.start(BuilderAccess.config(WebSocketPools.builder().name("l")
                .endpoint("ws://127.0.0.1:1/").ticker(ticker).transport(new InMemoryTransport()).listener(recorder)),
                new ManualScheduler(ticker), b -> b);
        try {
            try (PooledConnection c = pool.acquire()) {
                ticker.advance(Duration.ofMillis(7));
                c.send("x");
            }
        } finally {
            pool.close();
        }
        assertEquals(List.of(
                "l-1 connect ok",
                "l-1 INITIALIZING->READY",
                "l-1 READY->ACTIVE",
                "l-1 acquired",
                "l-1 released after 7 ms",
                "l-1 ACTIVE->RECYCLING",
                "l-1 recycle not-pooled",
                "l-1 RECYCLING->CLOSED"), recorder.events);
    }

    @Test
    void failedConnectsAreReportedWithTheirCause() {
        FakeTicker ticker = new FakeTicker();
        Recorder recorder = new Recorder();
        InMemoryTransport transport = new InMemoryTransport().failConnects(new ConnectException("Connection refused"));
        DefaultWebSocketPool pool = DefaultWebSocketPool.start(BuilderAccess.config(WebSocketPools.builder().name("f")
                .endpoint("ws://127.0.0.1:1/").pooling(true).minConnections(1).ticker(ticker).transport(transport)
                .listener(recorder)), new ManualScheduler(ticker), b -> b);
        try {
            pool.maintain(ticker.read());
            assertTrue(recorder.events.get(0).startsWith("f-1 connect failed: Could not connect to ws://127.0.0.1:1/"),
                    recorder.events.toString());
            assertTrue(recorder.events.get(0).contains("Connection refused"), recorder.events.toString());
            assertEquals(List.of("f-1 INITIALIZING->FAILED", "f-1 FAILED->RECYCLING", "f-1 recycle connect-failed",
                    "f-1 RECYCLING->CLOSED"), recorder.events.subList(1, 5));
        } finally {
            pool.close();
        }
    }

    @Test
    void aThrowingListenerNeverBreaksThePool() {
        FakeTicker ticker = new FakeTicker();
        Recorder after = new Recorder();
        PoolListener broken = new PoolListener() {
            @Override
            public void onStateChange(ConnectionStateChange e) {
                throw new IllegalStateException("listener bug");
            }

            @Override
            public void onAcquire(AcquireEvent e) {
                throw new IllegalStateException("listener bug");
            }
        };
        DefaultWebSocketPool pool = DefaultWebSocketPool.start(BuilderAccess.config(WebSocketPools.builder().name("b")
                .endpoint("ws://127.0.0.1:1/").pooling(true).ticker(ticker).transport(new InMemoryTransport())
                .listener(broken).listener(after)), new ManualScheduler(ticker), b -> b);
        try {
            for (int i = 0; i < 3; i++) {
                try (PooledConnection c = pool.acquire()) {
                    c.send("still works");
                }
            }
            assertEquals(3, after.events.stream().filter(e -> e.endsWith("acquired")).count(),
                    "the next listener still gets every event");
            assertEquals(1, pool.stats().idle());
        } finally {
            pool.close();
        }
    }
}
