package io.github.wspool.benchmarks;

import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.infra.Blackhole;

/**
 * What the benchmarks where callers borrow a pool object, hold it for some work and release it share
 * ({@link ContentionBenchmark}, {@link WaitersBenchmark}): the pool under test, chosen by name, pre-filled to the
 * subclass's size, and the cycle itself.
 */
@State(Scope.Benchmark)
public abstract class BorrowWorkRelease {

    /** The pool under test, a {@link PeerPool} name. */
    @Param({"wspool", "concurrentbag"})
    public String impl;

    /** {@link Blackhole#consumeCPU(long)} tokens spent holding the object (a few hundred nanoseconds). */
    @Param({"100"})
    public long work;

    private PeerPool pool;

    /**
     * Objects in the pool.
     *
     * @return the count
     */
    protected abstract int poolSize();

    /**
     * Builds and pre-fills the pool.
     *
     * @throws Exception if the pool cannot be built or filled
     */
    @Setup(Level.Trial)
    public void setUp() throws Exception {
        pool = PeerPool.create(impl);
        pool.setUp(poolSize());
    }

    /**
     * Closes the pool.
     *
     * @throws Exception as the pool's shutdown does
     */
    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        pool.tearDown();
    }

    /**
     * Borrow, work, release.
     *
     * @throws Exception if the pool fails (a borrow waiting 30 s included)
     */
    protected final void cycle() throws Exception {
        Object lease = pool.borrow();
        try {
            Blackhole.consumeCPU(work);
        } finally {
            pool.release(lease);
        }
    }
}
