package io.github.wspool.core.internal.concurrent;

/**
 * Which {@code Throwable}s from user code the pool does not swallow. Every guard around user code (listeners,
 * message handlers, transport callbacks) catches {@code Throwable}, logs and counts it, leaves its own bookkeeping
 * consistent, and goes on; only a fatal error is then rethrown: a {@link VirtualMachineError} other than a
 * {@link StackOverflowError}. A stack overflow has unwound by the time it is caught and is the handler's own bug, so
 * like an exception it costs that one message, not the connection or its selector thread.
 */
public final class Fatal {

    private Fatal() {
    }

    /**
     * Rethrows {@code t} if it is fatal.
     *
     * @param t what user code threw
     */
    public static void rethrowIfFatal(Throwable t) {
        if (t instanceof VirtualMachineError vme && !(t instanceof StackOverflowError)) {
            throw vme;
        }
    }
}
