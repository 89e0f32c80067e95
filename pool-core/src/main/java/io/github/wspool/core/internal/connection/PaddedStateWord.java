package io.github.wspool.core.internal.connection;

import io.github.wspool.ConnectionState;
import io.github.wspool.core.internal.concurrent.VarHandles;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A {@link ManagedConnection}'s state word on a cache line of its own: 56 bytes of padding before it (the superclass's
 * fields) and 56 after (the subclass's), because superclass fields are laid out before subclass fields.
 *
 * <p>Why: the word is written twice per acquire + release (the take's and the release's compare-and-set) by whichever
 * thread holds the connection, and the connection's other fields are read on the same path. Connections are
 * allocated with their components in between, but a young collection copies the connections of an endpoint's array
 * one after the other, so two connections end up adjacent; two threads each cycling their own connection then
 * write one cache line between them. In the pool-overhead benchmark that made some forks of 2 threads run at a third
 * of the speed of the others (31–36 against 86–96 ops/µs). The padding costs 112 bytes per connection.
 */
abstract class PaddedStateWord extends StateWordPadBefore {

    /** The word's handle, for the compare-and-set moves. */
    static final VarHandle WORD = VarHandles.field(MethodHandles.lookup(), PaddedStateWord.class, "word",
            long.class);


    /**
     * The {@link ConnectionState} by ordinal (bits 0-3), the "recycle on release" flag (bit 4, see
     * {@code ManagedConnection.flagRecycle}) and the number of holdings so far (bits 8-63). Numbers, not
     * the enum reference: a compare-and-set of a reference field pays the garbage collector's write barriers (G1:
     * card marking with a StoreLoad fence for an old connection pointing at the enum constants).
     */
    volatile long word = ConnectionState.INITIALIZING.ordinal();
}

/** Padding before a connection's state word ({@link PaddedStateWord}): seven longs. */
@SuppressWarnings("unused") // never read: it only keeps other objects' fields off the word's cache line
abstract class StateWordPadBefore {
    private long p01;
    private long p02;
    private long p03;
    private long p04;
    private long p05;
    private long p06;
    private long p07;
}

/** Padding after a connection's state word ({@link PaddedStateWord}): seven longs, before the connection's fields. */
@SuppressWarnings("unused") // never read: it only keeps the connection's other fields off the word's cache line
abstract class StateWordPadAfter extends PaddedStateWord {
    private long q01;
    private long q02;
    private long q03;
    private long q04;
    private long q05;
    private long q06;
    private long q07;
}
