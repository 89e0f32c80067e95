package io.github.wspool.core.internal.messaging;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.github.wspool.Endpoint;
import io.github.wspool.InboundMessage;
import io.github.wspool.core.internal.connection.ManagedConnection;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;

/** A connection's inbound queue survives whatever a delivery throws, a fatal error included. */
class MailboxTest {

    private static final Endpoint ENDPOINT = new Endpoint() {
        @Override
        public URI uri() {
            return URI.create("ws://127.0.0.1:1/");
        }

        @Override
        public int weight() {
            return 1;
        }
    };

    @Test
    void aDeliveryThatThrowsAFatalErrorDoesNotWedgeTheQueue() {
        ManagedConnection c = new ManagedConnection("c-1", null, null, 0);
        List<String> delivered = new CopyOnWriteArrayList<>();
        Mailbox.Sink sink = new Mailbox.Sink() {
            @Override
            public void deliver(Channel ch, Mailbox.Delivery d) {
                String text = d.message().text();
                if (text.startsWith("oom")) {
                    throw new OutOfMemoryError("simulated in a delivery");
                }
                delivered.add(text);
            }

            @Override
            public void rejected(Channel ch, Mailbox.Delivery d) {
                delivered.add("rejected:" + d.message().text());
            }
        };
        ExecutorService executor = Executors.newFixedThreadPool(1, r -> {
            Thread t = new Thread(r, "mailbox-test");
            t.setUncaughtExceptionHandler((th, e) -> { }); // the rethrown error ends the worker: expected here
            return t;
        });
        try {
            Mailbox mailbox = new Mailbox(c, sink, executor, 1 << 20);
            for (int i = 0; i < 3; i++) {
                mailbox.post(new Mailbox.Delivery(InboundMessage.text("c-1", ENDPOINT, "oom-" + i), null));
                mailbox.post(new Mailbox.Delivery(InboundMessage.text("c-1", ENDPOINT, "m-" + i), null));
            }
            await().atMost(Duration.ofSeconds(5)).until(() -> delivered.size() == 3);
            assertEquals(List.of("m-0", "m-1", "m-2"), delivered, "every message after each error, in order");
        } finally {
            executor.shutdownNow();
        }
    }
}
