package io.github.wspool.benchmarks;

import com.zaxxer.hikari.util.ConcurrentBag;
import com.zaxxer.hikari.util.ConcurrentBag.IConcurrentBagEntry;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;

/**
 * HikariCP's {@link ConcurrentBag}, the structure under {@code HikariPool.getConnection()}: thread-local lists of
 * recently used entries, then a CAS scan of the shared list, then a hand-off queue. Entries are bare state cells
 * as HikariCP's {@code PoolEntry} is. The bag's listener, called when borrowers wait so the pool can add
 * connections, does nothing: the pool is fixed-size.
 *
 * <p>Each entry is padded to 128 bytes, so that no two entries' state words share a cache line (or the adjacent-line
 * pair a prefetcher fetches together). A real pool's entries never do: a {@code PoolEntry} has ten fields and is
 * allocated together with its statement list and its driver's connection, hundreds of bytes apart; wspool pads
 * its connections' state words likewise. A bare 16-byte cell put four entries on one line, and whenever two threads' entries
 * landed on one line (decided by which entry each thread happened to take first) the bag ran 3–4× slower at 2
 * threads: 27–31 against 115–126 ops/µs, fork to fork (benchmarks/README.md, "Pool overhead measured honestly (#21)").
 */
final class ConcurrentBagPeer implements PeerPool {

    private ConcurrentBag<Entry> bag;

    @Override
    public void setUp(int poolSize) {
        bag = new ConcurrentBag<>(waiting -> { });
        for (int i = 0; i < poolSize; i++) {
            bag.add(new Entry());
        }
    }

    @Override
    public Object borrow() throws InterruptedException {
        Entry e = bag.borrow(30, TimeUnit.SECONDS);
        if (e == null) {
            throw new IllegalStateException("ConcurrentBag.borrow timed out");
        }
        return e;
    }

    @Override
    public void release(Object lease) {
        bag.requite((Entry) lease);
    }

    @Override
    public void tearDown() {
        bag.close();
    }

    /**
     * A bag entry: a state field with the CAS HikariCP's {@code PoolEntry} uses, padded to 128 bytes (the state sits
     * in the header's gap, at offset 12, and fourteen longs follow it) so that entries do not share cache lines.
     */
    @SuppressWarnings("unused") // the padding is never read
    static final class Entry implements IConcurrentBagEntry {

        private static final AtomicIntegerFieldUpdater<Entry> STATE =
                AtomicIntegerFieldUpdater.newUpdater(Entry.class, "state");

        private volatile int state;
        private long p01, p02, p03, p04, p05, p06, p07;
        private long p08, p09, p10, p11, p12, p13, p14;

        @Override
        public boolean compareAndSet(int expect, int update) {
            return STATE.compareAndSet(this, expect, update);
        }

        @Override
        public void setState(int update) {
            STATE.set(this, update);
        }

        @Override
        public int getState() {
            return STATE.get(this);
        }
    }
}
