package io.github.wspool.core.internal.transport.selector;

import java.util.Collections;
import java.util.Iterator;
import java.util.TreeMap;
import org.java_websocket.handshake.ClientHandshakeBuilder;

/**
 * The upgrade request of one connection, as Java-WebSocket's engine builds and checks it: the same fields as the
 * library's own {@code HandshakeImpl1Client} (case-insensitive names, {@code ""} for a missing one), but let go of
 * once the connection is open ({@link #release()}). The engine keeps its request for the connection's whole life, and
 * its fields (Host, Upgrade, Connection, Sec-WebSocket-Key, Sec-WebSocket-Version, the pool's headers) were about
 * 500 bytes of every open connection's heap. Built on a connector thread, then used and released on the loop (the
 * hand-over is the loop's task queue).
 */
final class UpgradeRequest implements ClientHandshakeBuilder {

    private String resourceDescriptor = "*";
    private TreeMap<String, String> fields = new TreeMap<>(String.CASE_INSENSITIVE_ORDER); // null once released
    private byte[] content;

    /** Drops the fields and content: the engine has checked the server's answer against them, and needs them no more. */
    void release() {
        fields = null;
        content = null;
    }

    @Override
    public void setResourceDescriptor(String resourceDescriptor) {
        this.resourceDescriptor = resourceDescriptor;
    }

    @Override
    public String getResourceDescriptor() {
        return resourceDescriptor;
    }

    @Override
    public void setContent(byte[] content) {
        this.content = content;
    }

    @Override
    public byte[] getContent() {
        return content;
    }

    @Override
    public void put(String name, String value) {
        TreeMap<String, String> f = fields;
        if (f != null) {
            f.put(name, value);
        }
    }

    @Override
    public Iterator<String> iterateHttpFields() {
        TreeMap<String, String> f = fields;
        return f == null ? Collections.emptyIterator() : Collections.unmodifiableSet(f.keySet()).iterator();
    }

    @Override
    public String getFieldValue(String name) {
        TreeMap<String, String> f = fields;
        String v = f == null ? null : f.get(name);
        return v == null ? "" : v;
    }

    @Override
    public boolean hasFieldValue(String name) {
        TreeMap<String, String> f = fields;
        return f != null && f.containsKey(name);
    }
}
