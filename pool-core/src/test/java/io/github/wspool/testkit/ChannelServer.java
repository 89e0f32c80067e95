package io.github.wspool.testkit;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import org.java_websocket.WebSocket;
import org.java_websocket.handshake.ClientHandshake;
import org.java_websocket.server.WebSocketServer;

/**
 * A WebSocket server (Java-WebSocket's) that speaks the default subscription protocol over a {@link Farm}: channels
 * with a shared, bounded history, so that a client moving between servers of one farm can resume from a position.
 *
 * <ul>
 *   <li>{@code {"type":"subscribe","channel":"c","messageId":"m","since":41}}: acknowledged with
 *       {@code {"type":"subscribed",...,"recovered":b}}; with {@code since}, replays from {@code since + 1} (or from
 *       the oldest position the history still holds: then {@code recovered} is false), then live;</li>
 *   <li>{@code unsubscribe}: stops; no reply;</li>
 *   <li>a subscribe to a channel in {@link Farm#refuse(String)}: {@code {"type":"error",...}};</li>
 *   <li>any other message with a {@code messageId} is echoed back (a request's reply).</li>
 * </ul>
 * Data messages are {@code {"type":"data","channel":"c","seq":N,"payload":{"n":N}}}.
 *
 * <p>It runs on Java-WebSocket's {@code WebSocketServer}, whose selector write path (1.6.0, {@code doWrite}) re-arms
 * {@code OP_READ} without re-checking the connection's out queue: a frame queued by another thread at that moment
 * (an echo, a publish) stays unwritten until the next send on that connection (Java-WebSocket issue #145). A
 * request-only connection then never gets its reply. {@link TestWebSocketServer} avoids that server altogether; this
 * one keeps it (it needs its per-connection callbacks) and re-issues the write demand of every connection that still
 * has queued bytes every 10 ms, so nothing stays unwritten.
 */
public final class ChannelServer implements AutoCloseable {

    private static final JsonFactory JSON = new JsonFactory();

    /** The channels several servers share: positions, history, subscribers. */
    public static final class Farm {

        private final int historyLimit;
        private final Map<String, ChannelLog> logs = new ConcurrentHashMap<>();
        private final Set<String> refused = ConcurrentHashMap.newKeySet();

        /**
         * @param historyLimit how many messages of each channel are kept for replay
         */
        public Farm(int historyLimit) {
            this.historyLimit = historyLimit;
        }

        /** Subscribes to {@code channel} are answered with an error from now on. */
        public void refuse(String channel) {
            refused.add(channel);
        }

        /**
         * Publishes the channel's next message to every subscriber on every server.
         *
         * @return its position
         */
        public long publish(String channel) {
            ChannelLog log = log(channel);
            log.lock.lock();
            try {
                long seq = log.next++;
                String text = "{\"type\":\"data\",\"channel\":\"" + channel + "\",\"seq\":" + seq
                        + ",\"payload\":{\"n\":" + seq + "}}";
                log.history.addLast(new Entry(seq, text));
                while (log.history.size() > historyLimit) {
                    log.history.removeFirst();
                }
                for (WebSocket subscriber : log.subscribers) {
                    sendQuietly(subscriber, text);
                }
                return seq;
            } finally {
                log.lock.unlock();
            }
        }

        /** The last position published on {@code channel}, 0 if none. */
        public long last(String channel) {
            ChannelLog log = log(channel);
            log.lock.lock();
            try {
                return log.next - 1;
            } finally {
                log.lock.unlock();
            }
        }

        private ChannelLog log(String channel) {
            return logs.computeIfAbsent(channel, c -> new ChannelLog());
        }

        private void subscribe(WebSocket conn, String channel, String messageId, Long since) {
            if (refused.contains(channel)) {
                sendQuietly(conn, "{\"type\":\"error\",\"messageId\":\"" + messageId
                        + "\",\"payload\":{\"reason\":\"forbidden\"}}");
                return;
            }
            ChannelLog log = log(channel);
            log.lock.lock();
            try {
                boolean recovered = false;
                long from = Long.MAX_VALUE;
                if (since != null) {
                    long oldest = log.history.isEmpty() ? log.next : log.history.peekFirst().seq;
                    recovered = since + 1 >= oldest;
                    from = since + 1;
                }
                sendQuietly(conn, "{\"type\":\"subscribed\",\"channel\":\"" + channel + "\",\"messageId\":\""
                        + messageId + "\",\"recovered\":" + recovered + "}");
                for (Entry e : log.history) {
                    if (e.seq >= from) {
                        sendQuietly(conn, e.text);
                    }
                }
                log.subscribers.add(conn);
            } finally {
                log.lock.unlock();
            }
        }

        private void unsubscribe(WebSocket conn, String channel) {
            ChannelLog log = log(channel);
            log.lock.lock();
            try {
                log.subscribers.remove(conn);
            } finally {
                log.lock.unlock();
            }
        }

        private void forget(WebSocket conn) {
            for (ChannelLog log : logs.values()) {
                log.lock.lock();
                try {
                    log.subscribers.remove(conn);
                } finally {
                    log.lock.unlock();
                }
            }
        }
    }

    private static final class ChannelLog {
        final ReentrantLock lock = new ReentrantLock();
        long next = 1;
        final ArrayDeque<Entry> history = new ArrayDeque<>();
        final Set<WebSocket> subscribers = ConcurrentHashMap.newKeySet();
    }

    private record Entry(long seq, String text) {
    }

    private final Farm farm;
    private final Server server;
    private final List<Map<String, String>> subscribes = new CopyOnWriteArrayList<>();
    private final List<String> closes = new CopyOnWriteArrayList<>();
    private final AtomicInteger opened = new AtomicInteger();
    private final WriteDemandKicker kicker;
    private final AtomicInteger echoed = new AtomicInteger();
    private final AtomicInteger refused = new AtomicInteger();
    private final Set<String> echoedIds = ConcurrentHashMap.newKeySet();
    private final List<String> unsent = new CopyOnWriteArrayList<>();
    private volatile boolean down;

    private ChannelServer(Farm farm, int port) {
        this.farm = farm;
        this.server = new Server(new InetSocketAddress("127.0.0.1", port));
        server.setReuseAddr(true);
        server.setConnectionLostTimeout(0);
        server.start();
        try {
            if (!server.started.await(10, TimeUnit.SECONDS)) {
                throw new IllegalStateException("channel server did not start on port " + port);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        if (server.failure != null) {
            throw new IllegalStateException("channel server failed to start on port " + port, server.failure);
        }
        kicker = WriteDemandKicker.watch(server); // the lost write demand (see the class comment)
    }

    /** Starts a server of {@code farm} on a free loopback port. */
    public static ChannelServer start(Farm farm) {
        return new ChannelServer(farm, 0);
    }

    /** Starts a server of {@code farm} on {@code port} (a restart). */
    public static ChannelServer start(Farm farm, int port) {
        return new ChannelServer(farm, port);
    }

    /** The port it listens on. */
    public int port() {
        return server.getPort() != 0 ? server.getPort() : server.boundPort;
    }

    /** {@code ws://127.0.0.1:<port>/channels}. */
    public URI uri() {
        return URI.create("ws://127.0.0.1:" + port() + "/channels");
    }

    /** Every subscribe received, as its fields. */
    public List<Map<String, String>> subscribes() {
        return subscribes;
    }

    /** WebSocket connections opened so far. */
    public int openedConnections() {
        return opened.get();
    }

    /** Connections open now. */
    public int openConnections() {
        return server.getConnections().size();
    }

    /** How each connection ended: {@code "<code> by client"} or {@code "<code> by server"}. */
    public List<String> closes() {
        return closes;
    }

    /** Sends the seeds' drain notice, {@code {"type":"server:shutdown"}}, to every open connection. */
    public void shutdownNotice() {
        sendToAll("{\"type\":\"server:shutdown\"}");
    }

    /** Sends {@code text} to every open connection. */
    public void sendToAll(String text) {
        for (WebSocket c : server.getConnections()) {
            sendQuietly(c, text);
        }
    }

    /**
     * A restart as clients see it, without giving the port up (a stopped Java-WebSocket server can leave a
     * connection it had accepted but not yet opened behind, open and unserved): while {@code down}, every opening
     * handshake is refused with 503; going down closes every open connection with 1001.
     */
    public void down(boolean down) {
        this.down = down;
        if (down) {
            closeAll(1001);
        }
    }

    /** Whether a message with this {@code messageId} was received and its echo queued on the connection. */
    public boolean received(String messageId) {
        return echoedIds.contains(messageId);
    }

    /** Echoes that could not be queued (the connection was no longer open), with why. */
    public List<String> unsentEchoes() {
        return unsent;
    }

    /** Handshakes refused while down. */
    public int refusedHandshakes() {
        return refused.get();
    }

    /** Closes every open connection with {@code code}. */
    public void closeAll(int code) {
        for (WebSocket c : server.getConnections()) {
            c.close(code, "test");
        }
    }

    @Override
    public String toString() {
        return "ChannelServer[" + port() + ", open " + openConnections() + ", opened " + opened.get() + ", echoed "
                + echoed.get() + (unsent.isEmpty() ? "" : ", unsent " + unsent) + "]";
    }

    @Override
    public void close() {
        kicker.close();
        try {
            server.stop(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void sendQuietly(WebSocket conn, String text) {
        try {
            conn.send(text);
        } catch (RuntimeException closed) {
            // it closed meanwhile
        }
    }

    private static Map<String, String> fields(String text) {
        Map<String, String> out = new HashMap<>();
        try (JsonParser p = JSON.createParser(text)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return out;
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken v = p.nextToken();
                if (v.isScalarValue()) {
                    out.put(name, p.getText());
                } else {
                    p.skipChildren();
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    private final class Server extends WebSocketServer {

        final CountDownLatch started = new CountDownLatch(1);
        volatile Exception failure;
        volatile int boundPort;

        Server(InetSocketAddress address) {
            super(address);
        }

        @Override
        public void onStart() {
            boundPort = getPort();
            started.countDown();
        }

        @Override
        public org.java_websocket.handshake.ServerHandshakeBuilder onWebsocketHandshakeReceivedAsServer(
                WebSocket conn, org.java_websocket.drafts.Draft draft, ClientHandshake request)
                throws org.java_websocket.exceptions.InvalidDataException {
            if (down) {
                refused.incrementAndGet();
                throw new org.java_websocket.exceptions.InvalidDataException(503, "restarting");
            }
            return super.onWebsocketHandshakeReceivedAsServer(conn, draft, request);
        }

        @Override
        public void onOpen(WebSocket conn, ClientHandshake handshake) {
            if (down) {
                conn.close(1001, "restarting"); // opened as it went down
                return;
            }
            opened.incrementAndGet();
        }

        @Override
        public void onClose(WebSocket conn, int code, String reason, boolean remote) {
            farm.forget(conn);
            closes.add(code + (remote ? " by client" : " by server"));
        }

        @Override
        public void onMessage(WebSocket conn, String message) {
            Map<String, String> f = fields(message);
            String type = f.get("type");
            if ("subscribe".equals(type)) {
                subscribes.add(f);
                String since = f.get("since");
                farm.subscribe(conn, f.get("channel"), f.get("messageId"), since != null ? Long.valueOf(since) : null);
            } else if ("unsubscribe".equals(type)) {
                farm.unsubscribe(conn, f.get("channel"));
            } else if (f.containsKey("messageId")) {
                echoed.incrementAndGet();
                try {
                    conn.send(message);
                    echoedIds.add(f.get("messageId"));
                } catch (RuntimeException notOpen) {
                    unsent.add(f.get("messageId") + " (" + notOpen + ", open " + conn.isOpen() + ", closing "
                            + conn.isClosing() + ")");
                }
            }
        }

        @Override
        public void onError(WebSocket conn, Exception ex) {
            if (conn == null) {
                failure = ex;
                started.countDown();
            }
        }
    }
}
