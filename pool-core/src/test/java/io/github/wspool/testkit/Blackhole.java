package io.github.wspool.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.List;

/**
 * A loopback address that never answers a TCP connect, like a host whose packets are dropped: a listening socket that
 * never accepts, its accept queue filled up front, so that the kernel drops further SYNs and a connect to it hangs
 * until its timeout. Needs no network beyond loopback.
 */
public final class Blackhole implements AutoCloseable {

    private static final int FILL_TIMEOUT_MILLIS = 200;
    private static final int MAX_FILLERS = 16;

    private final ServerSocket server;
    private final List<Socket> fillers = new ArrayList<>();

    private Blackhole() throws IOException {
        server = new ServerSocket();
        server.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 1);
        for (int i = 0; i < MAX_FILLERS; i++) {
            Socket s = new Socket();
            try {
                s.connect(server.getLocalSocketAddress(), FILL_TIMEOUT_MILLIS);
                fillers.add(s);
            } catch (SocketTimeoutException e) {
                s.close();
                return; // the queue is full: connects hang from now on
            }
        }
        close();
        throw new IllegalStateException("the accept queue never filled up: this system answers every connect");
    }

    /** Opens a blackhole on {@code 127.0.0.1}; takes a few hundred milliseconds (one connect times out). */
    public static Blackhole open() {
        try {
            return new Blackhole();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The address that never answers. */
    public InetSocketAddress address() {
        return (InetSocketAddress) server.getLocalSocketAddress();
    }

    @Override
    public void close() {
        for (Socket s : fillers) {
            try {
                s.close();
            } catch (IOException e) {
                // closed either way
            }
        }
        try {
            server.close();
        } catch (IOException e) {
            // closed either way
        }
    }
}
