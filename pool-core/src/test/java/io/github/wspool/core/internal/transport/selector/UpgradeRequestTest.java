package io.github.wspool.core.internal.transport.selector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The upgrade request: the library's field semantics until the connection is open, nothing kept after. */
class UpgradeRequestTest {

    @Test
    void fieldsAreCaseInsensitiveAndMissingOnesReadEmpty() {
        UpgradeRequest r = new UpgradeRequest();
        r.setResourceDescriptor("/feed?x=1");
        r.put("Host", "example.com");
        r.put("Sec-WebSocket-Key", "k1");
        r.put("sec-websocket-key", "k2"); // the same field
        assertEquals("/feed?x=1", r.getResourceDescriptor());
        assertEquals("k2", r.getFieldValue("SEC-WEBSOCKET-KEY"));
        assertTrue(r.hasFieldValue("host"));
        assertEquals("", r.getFieldValue("Origin"));
        assertFalse(r.hasFieldValue("Origin"));
        List<String> names = new ArrayList<>();
        r.iterateHttpFields().forEachRemaining(names::add);
        assertEquals(List.of("Host", "Sec-WebSocket-Key"), names);
    }

    @Test
    void releaseLetsGoOfFieldsAndContent() {
        UpgradeRequest r = new UpgradeRequest();
        r.put("Authorization", "Bearer secret");
        r.setContent(new byte[] {1, 2});
        r.release();
        assertEquals("", r.getFieldValue("Authorization"));
        assertFalse(r.hasFieldValue("Authorization"));
        assertFalse(r.iterateHttpFields().hasNext());
        assertNull(r.getContent());
        r.put("Host", "late"); // nothing is kept once released
        assertFalse(r.hasFieldValue("Host"));
    }
}
