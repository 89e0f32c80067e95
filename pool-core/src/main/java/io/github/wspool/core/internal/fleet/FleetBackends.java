package io.github.wspool.core.internal.fleet;

import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * How the builder gets the {@link FleetBackend} of a public fleet type without that type exposing this module's
 * internal interfaces in its API: the fleet class registers an accessor when it is initialized (which it is once an
 * instance exists), the builder asks for it by the instance. Nothing here loads a fleet class (nor Lettuce).
 */
public final class FleetBackends {

    private static final Map<Class<?>, Function<Object, FleetBackend>> ACCESSORS = new ConcurrentHashMap<>();

    private FleetBackends() {
    }

    /**
     * Registers the accessor of a fleet type.
     *
     * @param type     the public fleet class
     * @param accessor its instances' backends
     */
    public static void register(Class<?> type, Function<Object, FleetBackend> accessor) {
        ACCESSORS.put(Objects.requireNonNull(type), Objects.requireNonNull(accessor));
    }

    /**
     * The backend of a fleet instance.
     *
     * @param fleet an instance of a registered fleet type
     * @return its backend
     * @throws IllegalArgumentException if its type registered none
     */
    public static FleetBackend of(Object fleet) {
        Function<Object, FleetBackend> accessor = ACCESSORS.get(fleet.getClass());
        if (accessor == null) {
            throw new IllegalArgumentException("not a fleet: " + fleet);
        }
        return accessor.apply(fleet);
    }
}
