package io.github.wspool.core.internal.transport.jws;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.SocketAddress;
import java.net.SocketException;
import java.net.Socket;
import javax.net.ssl.SSLSocket;

/**
 * A {@code wss://} connection's socket as Java-WebSocket sees it: an {@link SSLSocket} whose handshake
 * {@link AbortableSocketFactory} has completed, behind a plain {@link Socket} so that the library's write thread
 * writes plaintext frames to a {@link LedgerOutputStream} (each frame reported written once the TLS layer has
 * encrypted it and handed it to the operating system). Not being an {@code SSLSocket}, it is not configured again by
 * the library; everything else is delegated.
 */
final class TlsSocket extends Socket {

    private final SSLSocket ssl;
    private final FrameLedger ledger;

    TlsSocket(SSLSocket ssl, FrameLedger ledger) {
        this.ssl = ssl;
        this.ledger = ledger;
    }

    @Override
    public InputStream getInputStream() throws IOException {
        return ssl.getInputStream();
    }

    @Override
    public OutputStream getOutputStream() throws IOException {
        return new LedgerOutputStream(ssl.getOutputStream(), ledger);
    }

    /**
     * Sends TLS close_notify and closes the TCP connection (the write thread closes the socket last). Not
     * synchronized on this wrapper, unlike {@code Socket.close()}: the TLS socket serialises its own close, and the
     * close_notify write must not hold a monitor of ours while it blocks.
     */
    @Override
    public void close() throws IOException {
        try {
            ssl.close();
        } finally {
            ledger.socketClosing();
        }
    }

    @Override
    public void connect(SocketAddress endpoint, int timeout) throws IOException {
        throw new SocketException("already connected");
    }

    @Override
    public void bind(SocketAddress bindpoint) throws IOException {
        throw new SocketException("already bound");
    }

    @Override
    public boolean isConnected() {
        return ssl.isConnected();
    }

    @Override
    public boolean isBound() {
        return ssl.isBound();
    }

    @Override
    public boolean isClosed() {
        return ssl.isClosed();
    }

    @Override
    public boolean isInputShutdown() {
        return ssl.isInputShutdown();
    }

    @Override
    public boolean isOutputShutdown() {
        return ssl.isOutputShutdown();
    }

    @Override
    public void shutdownInput() throws IOException {
        ssl.shutdownInput();
    }

    @Override
    public void shutdownOutput() throws IOException {
        ssl.shutdownOutput();
    }

    @Override
    public InetAddress getInetAddress() {
        return ssl.getInetAddress();
    }

    @Override
    public InetAddress getLocalAddress() {
        return ssl.getLocalAddress();
    }

    @Override
    public int getPort() {
        return ssl.getPort();
    }

    @Override
    public int getLocalPort() {
        return ssl.getLocalPort();
    }

    @Override
    public SocketAddress getRemoteSocketAddress() {
        return ssl.getRemoteSocketAddress();
    }

    @Override
    public SocketAddress getLocalSocketAddress() {
        return ssl.getLocalSocketAddress();
    }

    @Override
    public void setTcpNoDelay(boolean on) throws SocketException {
        ssl.setTcpNoDelay(on);
    }

    @Override
    public boolean getTcpNoDelay() throws SocketException {
        return ssl.getTcpNoDelay();
    }

    @Override
    public void setReuseAddress(boolean on) throws SocketException {
        ssl.setReuseAddress(on);
    }

    @Override
    public boolean getReuseAddress() throws SocketException {
        return ssl.getReuseAddress();
    }

    @Override
    public void setReceiveBufferSize(int size) throws SocketException {
        ssl.setReceiveBufferSize(size);
    }

    @Override
    public int getReceiveBufferSize() throws SocketException {
        return ssl.getReceiveBufferSize();
    }

    @Override
    public void setSendBufferSize(int size) throws SocketException {
        ssl.setSendBufferSize(size);
    }

    @Override
    public int getSendBufferSize() throws SocketException {
        return ssl.getSendBufferSize();
    }

    @Override
    public void setSoTimeout(int timeout) throws SocketException {
        ssl.setSoTimeout(timeout);
    }

    @Override
    public int getSoTimeout() throws SocketException {
        return ssl.getSoTimeout();
    }

    @Override
    public void setSoLinger(boolean on, int linger) throws SocketException {
        ssl.setSoLinger(on, linger);
    }

    @Override
    public int getSoLinger() throws SocketException {
        return ssl.getSoLinger();
    }

    @Override
    public void setKeepAlive(boolean on) throws SocketException {
        ssl.setKeepAlive(on);
    }

    @Override
    public boolean getKeepAlive() throws SocketException {
        return ssl.getKeepAlive();
    }

    @Override
    public String toString() {
        return "TlsSocket[" + ssl + "]";
    }
}
