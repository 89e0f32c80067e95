package io.github.wspool.testkit;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.java_websocket.WebSocket;
import org.java_websocket.server.WebSocketServer;

/**
 * Works around a lost write in Java-WebSocket's {@link WebSocketServer} (1.6.0): its selector thread drains a
 * connection's out queue and then sets the key's interest to {@code OP_READ}; a frame queued by a decoder thread in
 * between (whose {@code onWriteDemand} set {@code OP_READ | OP_WRITE} just before) is left in the queue until the
 * next write on that connection. An echo server answering one request at a time then never answers: seen here as a
 * request timing out with the echo still in the server's queue ({@code hasBufferedData()}), every few thousand round
 * trips. Every 10 ms this asks again for a write on each connection that has something queued; the servers of the
 * test kit that are built on {@code WebSocketServer} run one. (The pool's own selector transport does not have the
 * race: a frame queued during a flush schedules another.)
 */
public final class WriteDemandKicker implements AutoCloseable {

    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "test-server-write-kicker");
        t.setDaemon(true);
        return t;
    });

    private WriteDemandKicker(WebSocketServer server) {
        timer.scheduleWithFixedDelay(() -> {
            for (WebSocket c : server.getConnections()) {
                try {
                    if (c.hasBufferedData()) {
                        server.onWriteDemand(c);
                    }
                } catch (RuntimeException e) {
                    // the connection is closing: its queue is dropped with it
                }
            }
        }, 10, 10, TimeUnit.MILLISECONDS);
    }

    /**
     * Starts watching a server's connections.
     *
     * @param server a started server
     * @return the watcher, to close with the server
     */
    public static WriteDemandKicker watch(WebSocketServer server) {
        return new WriteDemandKicker(server);
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
