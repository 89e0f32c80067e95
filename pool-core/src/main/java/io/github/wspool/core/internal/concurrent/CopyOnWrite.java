package io.github.wspool.core.internal.concurrent;

import java.util.Arrays;

/**
 * Edits of copy-on-write arrays: the array a reader holds never changes, a writer publishes a new one. Used for the
 * few arrays the hot path reads without a lock (an endpoint's connections, a connection's message holders, the
 * pool's listeners); writers serialise themselves (a lock, or a compare-and-set retry of the field).
 */
public final class CopyOnWrite {

    private CopyOnWrite() {
    }

    /**
     * A copy of {@code array} with {@code element} appended.
     *
     * @param array   the current array
     * @param element the element to add
     * @param <T>     the element type
     * @return a new array one longer
     */
    public static <T> T[] with(T[] array, T element) {
        T[] next = Arrays.copyOf(array, array.length + 1);
        next[array.length] = element;
        return next;
    }

    /**
     * A copy of {@code array} without the first element identical to {@code element} ({@code ==}), or
     * {@code array} itself when it holds no such element.
     *
     * @param array   the current array
     * @param element the element to remove
     * @param empty   the shared empty array, returned instead of a new empty one
     * @param <T>     the element type
     * @return a new array one shorter, {@code empty}, or {@code array} unchanged
     */
    public static <T> T[] without(T[] array, T element, T[] empty) {
        for (int i = 0; i < array.length; i++) {
            if (array[i] == element) {
                if (array.length == 1) {
                    return empty;
                }
                T[] next = Arrays.copyOf(array, array.length - 1);
                System.arraycopy(array, i + 1, next, i, array.length - i - 1);
                return next;
            }
        }
        return array;
    }

    /**
     * Whether {@code array} holds {@code element} ({@code ==}).
     *
     * @param array   the array
     * @param element the element
     * @param <T>     the element type
     * @return {@code true} if present
     */
    public static <T> boolean contains(T[] array, T element) {
        for (T t : array) {
            if (t == element) {
                return true;
            }
        }
        return false;
    }
}
