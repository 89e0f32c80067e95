package io.github.wspool.core.internal.concurrent;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * Field handles for flags and counters kept in a plain {@code volatile} field of their owner instead of an
 * {@code Atomic*} object of their own: one object less per owner, which counts for what every pooled connection
 * keeps (the garbage collector copies each connection's objects one by one).
 */
public final class VarHandles {

    private VarHandles() {
    }

    /**
     * The handle of a field, for a class's static initializer.
     *
     * @param lookup the owner's own lookup ({@code MethodHandles.lookup()}), which may see its private fields
     * @param owner  the class declaring the field
     * @param name   the field's name
     * @param type   the field's type
     * @return the handle
     * @throws ExceptionInInitializerError if there is no such field (a bug)
     */
    public static VarHandle field(MethodHandles.Lookup lookup, Class<?> owner, String name, Class<?> type) {
        try {
            return lookup.findVarHandle(owner, name, type);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
