package io.github.wspool.core.internal;

import io.github.wspool.PoolListener;
import io.github.wspool.core.BuilderAccess;
import io.github.wspool.core.WebSocketPoolBuilder;
import io.github.wspool.core.WebSocketPools;
import io.github.wspool.core.spi.InMemoryTransport;
import io.github.wspool.event.RecycleEvent;
import io.github.wspool.event.RecycleReason;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.UnaryOperator;

/**
 * A pool on an in-memory transport, a fake ticker and a manual scheduler: nothing happens in the background, so
 * tests drive housekeeping deterministically.
 */
public final class EngineHarness implements AutoCloseable {

    public final FakeTicker ticker = new FakeTicker();
    public final ManualScheduler scheduler = new ManualScheduler(ticker);
    public final InMemoryTransport transport = new InMemoryTransport();
    public final List<RecycleEvent> recycled = new CopyOnWriteArrayList<>();
    public final DefaultWebSocketPool pool;

    public EngineHarness(UnaryOperator<WebSocketPoolBuilder> settings) {
        PoolListener recorder = new PoolListener() {
            @Override
            public void onRecycle(RecycleEvent event) {
                recycled.add(event);
            }
        };
        WebSocketPoolBuilder builder = WebSocketPools.builder().name("t").endpoint("ws://127.0.0.1:1/feed")
                .ticker(ticker).transport(transport).listener(recorder);
        pool = DefaultWebSocketPool.start(BuilderAccess.config(settings.apply(builder)), scheduler, bound -> bound);
        scheduler.runDue();
    }

    /** Housekeeping pass at the ticker's now, then whatever it scheduled for now. */
    public long maintain() {
        long delay = pool.maintain(ticker.read());
        scheduler.runDue();
        return delay;
    }

    /**
     * Lets the connections open so far prove themselves: the ticker moves on by
     * {@link io.github.wspool.core.internal.connect.Connector#MIN_CONNECTION_LIFETIME} and a housekeeping pass runs.
     * From then on their deaths are those of established connections, not failed connects.
     */
    public void provedThemselves() {
        ticker.advance(io.github.wspool.core.internal.connect.Connector.MIN_CONNECTION_LIFETIME);
        maintain();
    }

    public long recycledFor(RecycleReason reason) {
        return recycled.stream().filter(e -> e.reason() == reason).count();
    }

    @Override
    public void close() {
        pool.close();
    }
}
