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

    /** A bag entry: a state field with the CAS HikariCP's {@code PoolEntry} uses. */
    static final class Entry implements IConcurrentBagEntry {

        private static final AtomicIntegerFieldUpdater<Entry> STATE =
                AtomicIntegerFieldUpdater.newUpdater(Entry.class, "state");

        private volatile int state;

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
