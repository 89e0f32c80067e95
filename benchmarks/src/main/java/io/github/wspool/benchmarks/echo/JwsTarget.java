package io.github.wspool.benchmarks.echo;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.java_websocket.client.WebSocketClient;
import org.java_websocket.handshake.ServerHandshake;

/**
 * The raw Java-WebSocket baseline: {@code n} {@link WebSocketClient}s (the library wspool drives internally), each
 * with its own read thread and write thread, TCP_NODELAY on and the lost-connection timer off (as wspool configures
 * them), behind {@link QueuedConnections}. The echo completes its future on the connection's read thread.
 */
final class JwsTarget {

    private JwsTarget() {
    }

    /**
     * Opens {@code n} clients one after another.
     *
     * @param uri the echo server
     * @param n   how many
     * @return the connections behind a minimal pool
     * @throws InterruptedException if interrupted while connecting
     */
    static QueuedConnections<Client> open(URI uri, int n) throws InterruptedException {
        List<Client> clients = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            Client c = new Client(uri);
            if (!c.connectBlocking(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException("client " + i + " did not connect to " + uri);
            }
            clients.add(c);
        }
        return new QueuedConnections<>(clients);
    }

    /** One Java-WebSocket client with one message in flight at most. */
    static final class Client extends WebSocketClient implements QueuedConnections.Connection {
        private final QueuedConnections.InFlight inFlight = new QueuedConnections.InFlight();

        Client(URI uri) {
            super(uri);
            setTcpNoDelay(true);
            setConnectionLostTimeout(0);
            setDaemon(true);
        }

        @Override
        public CompletableFuture<String> roundTrip(String message) {
            CompletableFuture<String> f = inFlight.begin(message);
            send(message);
            return f;
        }

        @Override
        public void closeQuietly() {
            close();
        }

        @Override
        public void onOpen(ServerHandshake handshake) {
            // nothing to do
        }

        @Override
        public void onMessage(String message) {
            inFlight.arrived(message);
        }

        @Override
        public void onClose(int code, String reason, boolean remote) {
            inFlight.failed(new IllegalStateException("closed: " + code + " " + reason));
        }

        @Override
        public void onError(Exception ex) {
            inFlight.failed(ex);
        }
    }
}
