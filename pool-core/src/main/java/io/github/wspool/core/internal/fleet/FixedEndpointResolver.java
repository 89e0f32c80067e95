package io.github.wspool.core.internal.fleet;

import io.github.wspool.Endpoint;
import io.github.wspool.EndpointResolver;
import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/** A resolver with one set that never changes: given to each subscriber when it subscribes. */
public final class FixedEndpointResolver implements EndpointResolver {

    private final List<Target> targets;

    /**
     * @param targets the endpoints; duplicates of a URI count once (the first)
     */
    public FixedEndpointResolver(List<Target> targets) {
        Map<URI, Target> unique = new LinkedHashMap<>();
        for (Target t : targets) {
            Objects.requireNonNull(t, "a target must not be null");
            unique.putIfAbsent(t.uri(), t);
        }
        this.targets = List.copyOf(unique.values());
    }

    @Override
    public AutoCloseable subscribe(Listener listener) {
        Objects.requireNonNull(listener, "listener");
        listener.endpoints(targets);
        return () -> { };
    }

    @Override
    public String toString() {
        List<String> shown = new ArrayList<>(targets.size());
        for (Target t : targets) {
            shown.add(Endpoint.describe(t.uri()));
        }
        return "fixed" + shown;
    }
}
