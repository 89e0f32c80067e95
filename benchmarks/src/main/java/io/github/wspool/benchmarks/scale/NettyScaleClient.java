package io.github.wspool.benchmarks.scale;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingDeque;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * The scale run's peer: a plain Netty WebSocket client holding the same {@code N} connections as the pool in
 * {@link ScaleClient}, measured the same way ({@link ScaleMeasurement}), so that the pool's row can be read against a
 * peer from the same run on the same machine. It does what the pool does in that run, with Netty's own means:
 * <ul>
 *   <li>one NIO event loop group of as many threads as the pool's default transport has selector threads
 *       ({@code min(cores, 4)}: 2 on a 2-core machine); each channel has {@link HttpClientCodec},
 *       {@link HttpObjectAggregator} and {@link WebSocketClientProtocolHandler} (the {@code WebSocketClientHandshaker},
 *       masking, ping answers), as in the echo run's {@code NettyTarget}, then a {@link Conn};</li>
 *   <li>the ramp keeps {@link ScaleClient#CONNECTS_IN_FLIGHT} connects in flight (a permit from connect until the
 *       handshake settles, as the pool's {@code maxConcurrentConnects}); a connect's time runs from
 *       {@code Bootstrap.connect} to the completed handshake, its deadline is the pool's connect timeout;</li>
 *   <li>from its handshake until its close, each channel sends a {@link PingWebSocketFrame} (8-byte payload, as the
 *       pool's) every {@link ScaleClient#KEEPALIVE} less a random jitter of up to a tenth of it, drawn anew for each
 *       ping as the pool draws it, from a task scheduled on the channel's own event loop; pongs are counted, not
 *       judged (the pool would recycle a connection whose pong is late; none is here);</li>
 *   <li>the echo workload takes a channel from a stack of idle ones (the one given back last goes out first, close
 *       to the pool's per-thread "last released first"), sends the text and waits for the next text frame on that
 *       channel, which must equal it;</li>
 *   <li>the close writes a {@link CloseWebSocketFrame} (1001 going away) to every channel at once, waits for each
 *       channel to close (when the server's close frame arrives, or Netty's forced close after the pool's close
 *       timeout), then shuts the event loop group down; all of it is the timed close. The pool paces its close
 *       (2,048 closing handshakes in flight at most); this client does not.</li>
 * </ul>
 * Plain {@code ws://} only, no compression. On stderr it prints what it did: handshakes, pings sent and pongs back,
 * close frames written and answered.
 */
public final class NettyScaleClient {

    private NettyScaleClient() {
    }

    /**
     * Runs one measurement.
     *
     * @param args {@code netty <connections> <ws-uri> [holdSeconds] [echoRequests]}, as {@link ScaleClient}'s
     * @throws Exception if the run fails
     */
    public static void main(String[] args) throws Exception {
        int n = Integer.parseInt(args[1]);
        URI uri = URI.create(args[2]);
        int holdSeconds = args.length > 3 ? Integer.parseInt(args[3]) : 10;
        int echoRequests = args.length > 4 ? Integer.parseInt(args[4]) : 20_000;
        if (args.length > 5 || !"ws".equals(uri.getScheme())) {
            throw new IllegalArgumentException("the Netty peer runs over plain ws:// without compression");
        }

        ScaleMeasurement m = ScaleMeasurement.baseline();
        Counts counts = new Counts();
        m.starting();
        // the pool's default selector count (SelectorTransport.defaultSelectorCount)
        int eventLoops = Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors()));
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(eventLoops, NioIoHandler.newFactory());
        WebSocketClientProtocolConfig config = WebSocketClientProtocolConfig.newBuilder().webSocketUri(uri)
                .maxFramePayloadLength(1 << 20)
                .handshakeTimeoutMillis(ScaleClient.CONNECT_TIMEOUT.toMillis())
                .forceCloseTimeoutMillis(ScaleClient.CLOSE_TIMEOUT.toMillis())
                .dropPongFrames(false) // counted by Conn
                .handleCloseFrames(false) // the server's close frame comes to Conn, which counts it and closes
                .build();
        Bootstrap bootstrap = new Bootstrap().group(group).channel(NioSocketChannel.class)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) ScaleClient.CONNECT_TIMEOUT.toMillis());
        Semaphore slots = new Semaphore(ScaleClient.CONNECTS_IN_FLIGHT);
        List<Conn> conns = new ArrayList<>(n);
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(4);
        for (int i = 0; i < n; i++) {
            if (!slots.tryAcquire(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                break;
            }
            Conn c = new Conn(counts, slots);
            conns.add(c);
            bootstrap.clone().handler(new ChannelInitializer<SocketChannel>() {
                @Override
                protected void initChannel(SocketChannel ch) {
                    ch.pipeline().addLast(new HttpClientCodec(), new HttpObjectAggregator(8192),
                            new WebSocketClientProtocolHandler(config), c);
                }
            }).connect(uri.getHost(), uri.getPort()).channel().closeFuture().addListener(c::closed);
        }
        // every connect settles (handshake, failure, or its deadline) and gives its permit back
        if (!slots.tryAcquire(ScaleClient.CONNECTS_IN_FLIGHT, Math.max(0, deadline - System.nanoTime()),
                TimeUnit.NANOSECONDS)) {
            System.err.println("connects still in flight after 4 minutes");
        }
        if (counts.connectNanos.size() < n) {
            System.err.println("only " + counts.connectNanos.size() + " of " + n + " connections opened ("
                    + counts.connectFailures.get() + " failed connects)");
        }
        m.allOpen(counts.connectNanos);

        m.hold(holdSeconds, "netty-" + n); // held with the pings running
        LinkedBlockingDeque<Conn> idle = new LinkedBlockingDeque<>();
        for (Conn c : conns) {
            if (c.open) {
                idle.add(c);
            }
        }
        m.echo(echoRequests, msg -> {
            Conn c = idle.takeFirst();
            try {
                c.roundTrip(msg).get(ScaleClient.REQUEST_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            } finally {
                idle.addFirst(c);
            }
        });

        long pingsAtClose = counts.pingsSent.sum();
        long pongsAtClose = counts.pongs.sum();
        m.closing(() -> (int) counts.held.sum());
        CountDownLatch closed = new CountDownLatch(conns.size());
        for (Conn c : conns) {
            c.close(closed);
        }
        if (!closed.await(ScaleClient.CLOSE_TIMEOUT.toMillis() + 5_000, TimeUnit.MILLISECONDS)) {
            System.err.println(closed.getCount() + " channels still open after the close timeout");
        }
        group.shutdownGracefully(0, 5, TimeUnit.SECONDS).await(10, TimeUnit.SECONDS);
        m.closed();
        System.err.printf("netty peer: %d handshakes, %d failed connects; before the close %d pings sent, %d pongs"
                        + " back; %d close frames written, %d answered with the server's close frame%n",
                counts.connectNanos.size(), counts.connectFailures.get(), pingsAtClose, pongsAtClose,
                counts.closesWritten.sum(), counts.closesAnswered.sum());
        System.err.println("netty peer: allocator " + io.netty.buffer.ByteBufAllocator.DEFAULT);
        m.report("netty", n);
        System.exit(0);
    }

    /** What the channels did, counted on their event loops. */
    static final class Counts {
        final ConcurrentLinkedQueue<Long> connectNanos = new ConcurrentLinkedQueue<>();
        final AtomicInteger connectFailures = new AtomicInteger();
        final LongAdder held = new LongAdder();
        final LongAdder pingsSent = new LongAdder();
        final LongAdder pongs = new LongAdder();
        final LongAdder closesWritten = new LongAdder();
        final LongAdder closesAnswered = new LongAdder();
    }

    /**
     * One channel: the last handler of its pipeline. Its fields other than the volatile ones are touched only on the
     * channel's event loop; the echo's future is set by the sender before the frame goes out (one in flight at most).
     */
    static final class Conn extends ChannelInboundHandlerAdapter {
        private static final long PING_NANOS = ScaleClient.KEEPALIVE.toNanos();

        private final Counts counts;
        private final Semaphore slot;
        private final long startedAt = System.nanoTime();
        private boolean settled;
        private long pingId;
        private ScheduledFuture<?> nextPing;
        private volatile Channel channel;
        /** Set on the event loop once the handshake completed; read by the main thread after the ramp. */
        private volatile boolean open;
        private volatile String expected;
        private volatile CompletableFuture<String> pending;

        Conn(Counts counts, Semaphore slot) {
            this.counts = counts;
            this.slot = slot;
        }

        /** Sends {@code message}; the future completes with the next text frame, which must be its echo. */
        CompletableFuture<String> roundTrip(String message) {
            CompletableFuture<String> f = new CompletableFuture<>();
            expected = message;
            pending = f;
            Channel ch = channel;
            ch.writeAndFlush(new TextWebSocketFrame(message), ch.voidPromise()); // a failed write: exceptionCaught
            return f;
        }

        /** Writes the close frame (its ping withdrawn); {@code closed} counts down when the channel has closed. */
        void close(CountDownLatch closed) {
            Channel ch = channel;
            if (ch == null) {
                closed.countDown();
                return;
            }
            ch.closeFuture().addListener(f -> closed.countDown());
            ch.eventLoop().execute(() -> {
                if (nextPing != null) {
                    nextPing.cancel(false);
                }
                if (ch.isActive()) {
                    ch.writeAndFlush(new CloseWebSocketFrame(WebSocketCloseStatus.ENDPOINT_UNAVAILABLE, "shutdown"))
                            .addListener((ChannelFutureListener) f -> {
                                if (f.isSuccess()) {
                                    counts.closesWritten.increment();
                                }
                            });
                }
            });
        }

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            channel = ctx.channel();
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
            if (evt == WebSocketClientProtocolHandler.ClientHandshakeStateEvent.HANDSHAKE_COMPLETE) {
                settle(true);
                open = true;
                counts.held.increment();
                schedulePing(ctx);
            } else if (evt == WebSocketClientProtocolHandler.ClientHandshakeStateEvent.HANDSHAKE_TIMEOUT) {
                ctx.close(); // settled as failed by the close
            }
            super.userEventTriggered(ctx, evt);
        }

        private void schedulePing(ChannelHandlerContext ctx) {
            long jitter = ThreadLocalRandom.current().nextLong(PING_NANOS / 10 + 1); // as the pool's pingJitter
            nextPing = ctx.executor().schedule(() -> ping(ctx), PING_NANOS - jitter, TimeUnit.NANOSECONDS);
        }

        private void ping(ChannelHandlerContext ctx) {
            if (!ctx.channel().isActive()) {
                return;
            }
            ctx.channel().writeAndFlush(new PingWebSocketFrame(ctx.alloc().buffer(Long.BYTES).writeLong(++pingId)),
                    ctx.voidPromise());
            counts.pingsSent.increment();
            schedulePing(ctx);
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                if (msg instanceof TextWebSocketFrame text) {
                    arrived(text.text());
                } else if (msg instanceof PongWebSocketFrame) {
                    counts.pongs.increment();
                } else if (msg instanceof CloseWebSocketFrame) {
                    counts.closesAnswered.increment();
                    ctx.close();
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        private void arrived(String text) {
            CompletableFuture<String> f = pending;
            String sent = expected;
            pending = null;
            if (f == null) {
                return;
            }
            if (text.equals(sent)) {
                f.complete(text);
            } else {
                f.completeExceptionally(new IllegalStateException("sent " + sent + " but got " + text));
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }

        /** The channel closed (a failed connect's too): settles the connect, fails the echo in flight. */
        void closed(io.netty.util.concurrent.Future<? super Void> ignored) {
            settle(false);
            if (open) {
                counts.held.decrement();
            }
            if (nextPing != null) {
                nextPing.cancel(false);
            }
            CompletableFuture<String> f = pending;
            pending = null;
            if (f != null) {
                f.completeExceptionally(new IllegalStateException("channel closed"));
            }
        }

        /** The connect's outcome, once: its time or its failure, and the permit back. */
        private void settle(boolean ok) {
            if (settled) {
                return;
            }
            settled = true;
            if (ok) {
                counts.connectNanos.add(System.nanoTime() - startedAt);
            } else {
                counts.connectFailures.incrementAndGet();
            }
            slot.release();
        }
    }
}
