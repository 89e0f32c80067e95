package io.github.wspool.examples;

import io.github.wspool.ChannelMessage;
import io.github.wspool.Subscription;
import io.github.wspool.SubscriptionListener;
import io.github.wspool.SubscriptionOptions;
import io.github.wspool.SubscriptionState;
import io.github.wspool.WebSocketPool;
import io.github.wspool.core.WebSocketPools;
import io.github.wspool.testkit.ChannelServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

/**
 * Subscriptions the pool owns ({@code pool.subscribe(...)}), surviving a server restart: a loopback server speaking
 * the default subscription protocol ({@code subscribe} → {@code subscribed}, then
 * {@code {"type":"data","channel":"c","seq":N,"payload":{"n":N}}}, replay from {@code since + 1} on a re-subscribe)
 * publishes a steady stream on two channels. Halfway through, the server is stopped (its connections end with 1001),
 * the stream goes on into the channels' history meanwhile, and the server is started again on the same port. The pool
 * reconnects, re-subscribes each channel from the last position its listener got, the server replays what was
 * missed, and each listener sees every message exactly once and in order, with no gap.
 *
 * <pre>mvn -q -pl pool-examples exec:java -Dexec.mainClass=io.github.wspool.examples.SubscriptionsExample</pre>
 */
public final class SubscriptionsExample {

    static final List<String> CHANNELS = List.of("prices.EURUSD", "orders.tenant-7");

    private SubscriptionsExample() {
    }

    public static void main(String[] args) throws Exception {
        System.out.println(run(args.length > 0 ? Integer.parseInt(args[0]) : 1_000));
    }

    /**
     * One channel's outcome.
     *
     * @param channel    the channel
     * @param published  messages the server published on it
     * @param delivered  messages the listener received
     * @param onceInOrder whether each message's position was exactly one past the previous one's (from 1)
     * @param gaps       {@code onGap} calls
     * @param recoveries re-subscribes the server acknowledged as recovered ({@link Subscription#recoveries()})
     * @param position   {@link Subscription#position()} at the end
     */
    record ChannelOutcome(String channel, long published, long delivered, boolean onceInOrder, int gaps,
                          int recoveries, long position) {
    }

    /**
     * What happened.
     *
     * @param channels       each channel's outcome
     * @param restartedAfter messages per channel published before the restart
     * @param connections    WebSocket connections the server accepted before and after its restart
     */
    record Result(List<ChannelOutcome> channels, long restartedAfter, List<Integer> connections) {
        @Override
        public String toString() {
            return "server restarted after message " + restartedAfter + " (connections before/after: " + connections
                    + ")\n" + channels.stream().map(c -> String.format(Locale.ROOT, "  %-16s published %d, delivered"
                            + " %d, once and in order: %s, gaps %d, recoveries %d, position %d", c.channel(),
                            c.published(), c.delivered(), c.onceInOrder(), c.gaps(), c.recoveries(), c.position()))
                    .collect(Collectors.joining("\n"));
        }
    }

    /** Counts what a channel's listener gets and checks that each message is the one after the previous. */
    static final class Tally implements SubscriptionListener {
        final AtomicLong delivered = new AtomicLong();
        volatile long last;
        volatile boolean onceInOrder = true;
        volatile int gaps;

        @Override
        public void onMessage(ChannelMessage m) {               // one call at a time per subscription
            if (m.position() != last + 1 || !m.payload().equals("{\"n\":" + m.position() + "}")) {
                onceInOrder = false;
            }
            last = m.position();
            delivered.incrementAndGet();
        }

        @Override
        public void onGap(String channel, long from, long to) { // the server's history did not reach back far enough
            System.out.printf(Locale.ROOT, "%s: positions %d..%d are lost; reload a snapshot here%n", channel, from, to);
            gaps++;
        }
    }

    /**
     * Publishes {@code messagesPerChannel} messages on each channel, one per channel every 2 ms, restarting the server
     * halfway, and waits (up to 30 s) until every listener has the last one.
     */
    static Result run(int messagesPerChannel) throws Exception {
        ChannelServer.Farm farm = new ChannelServer.Farm(100_000); // the channels' history, shared across restarts
        ChannelServer server = ChannelServer.start(farm);
        int port = server.port();
        ScheduledExecutorService publisher = Executors.newSingleThreadScheduledExecutor();
        List<Integer> connections = new ArrayList<>();
        WebSocketPool pool = WebSocketPools.builder().name("channels")
                .endpoint(server.uri())
                .pooling(true)
                .reconnectBackoff(Duration.ofMillis(50), Duration.ofMillis(500))
                .build();
        try {
            List<Subscription> subs = new ArrayList<>();
            List<Tally> tallies = new ArrayList<>();
            for (String channel : CHANNELS) {
                Tally tally = new Tally();
                tallies.add(tally);
                // since(0): from the channel's first message, whatever was published before the subscribe
                subs.add(pool.subscribe(channel, SubscriptionOptions.defaults().since(0), tally));
            }
            long half = messagesPerChannel / 2;
            AtomicLong published = new AtomicLong();
            ScheduledFuture<?> stream = publisher.scheduleAtFixedRate(() -> {
                if (published.get() < messagesPerChannel) {
                    CHANNELS.forEach(farm::publish);
                    published.incrementAndGet();
                }
            }, 0, 2, TimeUnit.MILLISECONDS);

            await(() -> published.get() >= half && subs.stream().allMatch(s -> s.position() >= half / 2),
                    "the first half of the stream");
            server.close();                                        // the restart: its connections end (1001)...
            connections.add(server.openedConnections());
            long downAt = published.get();
            await(() -> published.get() >= downAt + 50, "publishing while the server is down");
            server = ChannelServer.start(farm, port);              // ...and it is back on the same port
            await(() -> published.get() >= messagesPerChannel, "the whole stream");
            stream.cancel(false);
            await(() -> subs.stream().allMatch(s -> s.position() == messagesPerChannel
                    && s.state() == SubscriptionState.ACTIVE), "every message delivered");
            connections.add(server.openedConnections());

            List<ChannelOutcome> outcomes = new ArrayList<>();
            for (int i = 0; i < CHANNELS.size(); i++) {
                Subscription sub = subs.get(i);
                Tally t = tallies.get(i);
                outcomes.add(new ChannelOutcome(sub.channel(), farm.last(sub.channel()), t.delivered.get(),
                        t.onceInOrder, t.gaps, sub.recoveries(), sub.position()));
                sub.close();                                       // unsubscribes
            }
            return new Result(outcomes, downAt, connections);
        } finally {
            publisher.shutdownNow();
            pool.close();
            server.close();
        }
    }

    private static void await(java.util.function.BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("timed out waiting for " + what);
            }
            Thread.sleep(10);
        }
    }
}
