package io.github.wspool.benchmarks;

import java.util.concurrent.TimeUnit;
import stormpot.Allocator;
import stormpot.Expiration;
import stormpot.Pool;
import stormpot.Pooled;
import stormpot.Slot;
import stormpot.Timeout;

/**
 * Stormpot 3's pool ({@code BlazePool}, the default threaded mode: a background thread allocates) of
 * {@link Pooled} plain objects, claimed through the pool itself (its thread-safe tap, with Stormpot's own
 * thread-local slot cache). Objects never expire and background expiration checks are off, as no other pool here
 * runs housekeeping; precise leak detection keeps its default. Pre-filled by claiming all {@code poolSize} objects
 * once and releasing them.
 */
final class StormpotPeer implements PeerPool {

    private static final Timeout CLAIM_TIMEOUT = new Timeout(30, TimeUnit.SECONDS);

    private Pool<Pooled<Object>> pool;

    @Override
    public void setUp(int poolSize) throws Exception {
        pool = Pool.from(new PlainAllocator())
                .setSize(poolSize)
                .setExpiration(Expiration.never())
                .setBackgroundExpirationEnabled(false)
                .build();
        Timeout fill = new Timeout(10, TimeUnit.SECONDS);
        @SuppressWarnings("unchecked")
        Pooled<Object>[] claimed = new Pooled[poolSize];
        for (int i = 0; i < poolSize; i++) {
            claimed[i] = pool.claim(fill);
            if (claimed[i] == null) {
                throw new IllegalStateException("stormpot did not pre-fill: " + i + " of " + poolSize);
            }
        }
        for (Pooled<Object> p : claimed) {
            p.release();
        }
    }

    @Override
    public Object borrow() throws InterruptedException {
        Pooled<Object> p = pool.claim(CLAIM_TIMEOUT);
        if (p == null) {
            throw new IllegalStateException("stormpot claim timed out");
        }
        return p;
    }

    @Override
    public void release(Object lease) {
        ((Pooled<?>) lease).release();
    }

    @Override
    public void tearDown() throws InterruptedException {
        pool.shutdown().await(new Timeout(10, TimeUnit.SECONDS));
    }

    /** Allocates {@link Pooled} wrappers of plain objects. */
    static final class PlainAllocator implements Allocator<Pooled<Object>> {

        @Override
        public Pooled<Object> allocate(Slot slot) {
            return new Pooled<>(slot, new Object());
        }

        @Override
        public void deallocate(Pooled<Object> poolable) {
            // nothing to free
        }
    }
}
