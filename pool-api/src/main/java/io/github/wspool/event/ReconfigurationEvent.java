package io.github.wspool.event;

import java.util.Map;

/**
 * The pool's settings were changed at runtime ({@code PoolControl.reconfigure}), or its acquisition was suspended or
 * resumed, or its connections soft-evicted.
 *
 * @param pool   the pool's name
 * @param before the changed settings' old values, by builder name (for suspend/resume: {@code suspended}; for a
 *               soft eviction: {@code softEvicted}, {@code 0})
 * @param after  their new values, same keys (for a soft eviction: how many connections it retires, now or on
 *               release)
 */
public record ReconfigurationEvent(String pool, Map<String, String> before, Map<String, String> after) {

    /** Copies the maps. */
    public ReconfigurationEvent {
        before = Map.copyOf(before);
        after = Map.copyOf(after);
    }
}
