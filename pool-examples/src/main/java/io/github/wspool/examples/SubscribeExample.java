package io.github.wspool.examples;

import io.github.wspool.InboundMessage;
import io.github.wspool.MessageHandler;
import io.github.wspool.PooledConnection;
import io.github.wspool.WebSocketPool;
import io.github.wspool.core.WebSocketPools;
import io.github.wspool.testkit.TestWebSocketServer;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Subscribing to a channel and receiving the server's pushes, in the seeds' protocol: the client sends
 * {@code {"type":"subscribe","channel":"prices","messageId":"1"}}, the server answers {@code subscribed} with the same
 * {@code messageId} and then pushes {@code {"type":"data","channel":"prices","payload":N}} every 10 ms. The lease's
 * handler receives the pushes while the lease is held; after {@code unsubscribe} and release, a push that still
 * arrives goes to the pool-level handler, never to the old lease's handler.
 *
 * <pre>mvn -q -pl pool-examples exec:java -Dexec.mainClass=io.github.wspool.examples.SubscribeExample</pre>
 */
public final class SubscribeExample {

    private static final Pattern MESSAGE_ID = Pattern.compile("\"messageId\":\"([^\"]+)\"");

    private SubscribeExample() {
    }

    public static void main(String[] args) throws Exception {
        System.out.println(run(20));
    }

    /** What happened: the subscribe reply, pushes the lease got, and pushes that reached the pool handler later. */
    record Result(String subscribed, int leasePushes, int poolPushesAfterRelease) {
        @Override
        public String toString() {
            return String.format(Locale.ROOT, "subscribe answered with %s; the lease's handler received %d pushes;"
                    + " %d push(es) arriving after release went to the pool handler", subscribed, leasePushes,
                    poolPushesAfterRelease);
        }
    }

    static Result run(int pushesWanted) throws Exception {
        ScheduledExecutorService pusher = Executors.newSingleThreadScheduledExecutor();
        AtomicInteger sequence = new AtomicInteger();
        try (TestWebSocketServer server = TestWebSocketServer.start()) {
            server.responder((peer, text) -> {
                Matcher m = MESSAGE_ID.matcher(text);
                String id = m.find() ? m.group(1) : "";
                if (text.contains("\"type\":\"subscribe\"")) {
                    peer.send("{\"type\":\"subscribed\",\"channel\":\"prices\",\"messageId\":\"" + id + "\"}");
                    pusher.scheduleAtFixedRate(() -> peer.send("{\"type\":\"data\",\"channel\":\"prices\",\"payload\":"
                            + sequence.incrementAndGet() + "}"), 10, 10, TimeUnit.MILLISECONDS);
                }
                // unsubscribe: acknowledged, but the pushes in flight (and the scheduled ones) keep coming a while
            });
            List<InboundMessage> unclaimed = new CopyOnWriteArrayList<>();
            CountDownLatch unclaimedArrived = new CountDownLatch(1);
            MessageHandler poolHandler = m -> {
                unclaimed.add(m);
                unclaimedArrived.countDown();
            };
            // --- README: subscribe ---
            WebSocketPool pool = WebSocketPools.builder().name("prices")
                    .endpoint(server.uri("/stream"))
                    .pooling(true).maxConnections(1)
                    .onMessage(poolHandler)                 // messages no lease claims (e.g. while not leased)
                    .build();
            List<String> pushes = new CopyOnWriteArrayList<>();
            CountDownLatch enough = new CountDownLatch(pushesWanted);
            String subscribed;
            try (PooledConnection c = pool.acquire()) {
                c.onMessage(m -> {                          // this lease's messages, on the pool's handler threads
                    pushes.add(m.text());
                    enough.countDown();
                });
                subscribed = c.request("{\"type\":\"subscribe\",\"channel\":\"prices\",\"messageId\":\"1\"}",
                        Duration.ofSeconds(2)).join();      // the reply goes to the request, not the handler
                enough.await(10, TimeUnit.SECONDS);
                c.send("{\"type\":\"unsubscribe\",\"channel\":\"prices\",\"messageId\":\"2\"}");
            }                                               // release detaches the lease's handler
            // --- end ---
            try {
                int leaseCount = pushes.size();
                unclaimedArrived.await(10, TimeUnit.SECONDS); // the server keeps pushing: the next one is unclaimed
                return new Result(subscribed, leaseCount, unclaimed.size());
            } finally {
                pool.close();
            }
        } finally {
            pusher.shutdownNow();
        }
    }
}
