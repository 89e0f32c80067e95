package io.github.wspool.benchmarks.echo;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The Netty baseline: {@code n} WebSocket channels on one NIO event loop group of {@code eventLoops} threads (by
 * default 2, the number of selector threads wspool's default transport has on this 2-core machine), each with
 * {@link HttpClientCodec}, {@link HttpObjectAggregator} and {@link WebSocketClientProtocolHandler} (which runs the
 * {@code WebSocketClientHandshaker} and masks the client's frames), behind {@link QueuedConnections}. A send from a
 * caller thread is a {@code writeAndFlush} handed to the channel's event loop; one from the event loop itself (the
 * asynchronous chains) is written at once. The echo completes its future on the event loop.
 */
final class NettyTarget {

    private NettyTarget() {
    }

    /**
     * Opens {@code n} channels, up to 64 handshakes at a time.
     *
     * @param uri        the echo server
     * @param n          how many
     * @param eventLoops the event loop group's threads
     * @return the connections behind a minimal pool, and the group (closed with them)
     * @throws Exception if a connect or handshake fails
     */
    static QueuedConnections<Conn> open(URI uri, int n, int eventLoops) throws Exception {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(eventLoops, NioIoHandler.newFactory());
        WebSocketClientProtocolConfig config = WebSocketClientProtocolConfig.newBuilder().webSocketUri(uri)
                .maxFramePayloadLength(1 << 20).build();
        List<Conn> conns = new ArrayList<>(n);
        for (int start = 0; start < n; start += 64) {
            List<Conn> batch = new ArrayList<>();
            for (int i = start; i < Math.min(n, start + 64); i++) {
                Conn c = new Conn(group, i == 0);
                new Bootstrap().group(group).channel(NioSocketChannel.class)
                        .option(ChannelOption.TCP_NODELAY, true)
                        .handler(new ChannelInitializer<SocketChannel>() {
                            @Override
                            protected void initChannel(SocketChannel ch) {
                                c.channel = ch;
                                ch.pipeline().addLast(new HttpClientCodec(), new HttpObjectAggregator(8192),
                                        new WebSocketClientProtocolHandler(config), c.handler);
                            }
                        })
                        .connect(uri.getHost(), uri.getPort());
                batch.add(c);
            }
            for (Conn c : batch) {
                c.handshake.get(30, TimeUnit.SECONDS);
            }
            conns.addAll(batch);
        }
        return new QueuedConnections<>(conns);
    }

    /** One Netty WebSocket channel with one message in flight at most. */
    static final class Conn implements QueuedConnections.Connection {
        private final QueuedConnections.InFlight inFlight = new QueuedConnections.InFlight();
        private final CompletableFuture<Void> handshake = new CompletableFuture<>();
        private final EventLoopGroup group;
        private final boolean ownsGroup;
        private final Handler handler = new Handler();
        private volatile Channel channel;

        Conn(EventLoopGroup group, boolean ownsGroup) {
            this.group = group;
            this.ownsGroup = ownsGroup;
        }

        @Override
        public CompletableFuture<String> roundTrip(String message) {
            CompletableFuture<String> f = inFlight.begin(message);
            Channel ch = channel;
            ch.writeAndFlush(new TextWebSocketFrame(message), ch.voidPromise()); // a failed write: exceptionCaught
            return f;
        }

        @Override
        public void closeQuietly() {
            Channel ch = channel;
            if (ch != null) {
                ch.close();
            }
            if (ownsGroup) {
                group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            }
        }

        /** The last handler of the channel's pipeline: handshake completion, echoes, failures. */
        final class Handler extends SimpleChannelInboundHandler<TextWebSocketFrame> {
            @Override
            protected void channelRead0(ChannelHandlerContext ctx, TextWebSocketFrame frame) {
                inFlight.arrived(frame.text());
            }

            @Override
            public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
                if (evt == WebSocketClientProtocolHandler.ClientHandshakeStateEvent.HANDSHAKE_COMPLETE) {
                    handshake.complete(null);
                } else if (evt == WebSocketClientProtocolHandler.ClientHandshakeStateEvent.HANDSHAKE_TIMEOUT) {
                    handshake.completeExceptionally(new IllegalStateException("handshake timed out"));
                }
                super.userEventTriggered(ctx, evt);
            }

            @Override
            public void channelInactive(ChannelHandlerContext ctx) throws Exception {
                IllegalStateException closed = new IllegalStateException("channel closed");
                handshake.completeExceptionally(closed);
                inFlight.failed(closed);
                super.channelInactive(ctx);
            }

            @Override
            public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                handshake.completeExceptionally(cause);
                inFlight.failed(cause);
                ctx.close();
            }
        }
    }
}
