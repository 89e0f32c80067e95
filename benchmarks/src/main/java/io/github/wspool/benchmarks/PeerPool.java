package io.github.wspool.benchmarks;

import java.util.List;

/**
 * The least a pool must offer to be measured against wspool: borrow an object, give it back. One adapter per pool
 * under test, chosen by name with {@link #create(String)}; {@link #setUp(int)} builds it and returns only once
 * {@code poolSize} objects are ready to borrow (no benchmark ever measures allocation or connecting).
 *
 * <p>Adapters hold the pool and nothing else, so a benchmark op is exactly the pool's borrow + release plus one
 * interface call each. JMH forks a JVM per parameter combination, so each call site sees a single adapter class
 * and is inlined; with {@code -f 0} (no fork) the sites turn megamorphic and every pool is penalised alike.
 *
 * <table>
 *   <caption>Implementations</caption>
 *   <tr><th>name</th><th>pool</th><th>borrow / release</th></tr>
 *   <tr><td>{@code wspool}</td><td>wspool, in-memory transport, 1 endpoint</td>
 *       <td>{@code acquire()} / {@code PooledConnection.close()}</td></tr>
 *   <tr><td>{@code wspool-3ep}</td><td>wspool, in-memory transport, 3 endpoints (round-robin pick included)</td>
 *       <td>same</td></tr>
 *   <tr><td>{@code concurrentbag}</td><td>HikariCP's {@code ConcurrentBag} (the speed reference)</td>
 *       <td>{@code borrow(timeout)} / {@code requite}</td></tr>
 *   <tr><td>{@code commons-pool2}</td><td>Apache Commons Pool2 {@code GenericObjectPool}, no evictor, blocking
 *       when exhausted</td><td>{@code borrowObject()} / {@code returnObject}</td></tr>
 *   <tr><td>{@code stormpot}</td><td>Stormpot 3 {@code BlazePool} (threaded allocator), objects never
 *       expire</td><td>{@code claim(Timeout)} / {@code Poolable.release()}</td></tr>
 *   <tr><td>{@code abq}</td><td>a plain {@code ArrayBlockingQueue} (non-fair): the floor of a locked
 *       pool</td><td>{@code take()} / {@code put}</td></tr>
 * </table>
 */
public interface PeerPool {

    /** Every implementation's name, in the order the benchmarks list them. */
    List<String> NAMES = List.of("wspool", "wspool-3ep", "wspool-fleet", "concurrentbag", "commons-pool2", "stormpot",
            "abq");

    /**
     * A new, not yet set up adapter.
     *
     * @param name one of {@link #NAMES}
     * @return the adapter; call {@link #setUp(int)} next
     * @throws IllegalArgumentException for an unknown name
     */
    static PeerPool create(String name) {
        return switch (name) {
            case "wspool" -> new WspoolPeer(1);
            case "wspool-3ep" -> new WspoolPeer(3);
            case "wspool-fleet" -> new WspoolFleetPeer();
            case "concurrentbag" -> new ConcurrentBagPeer();
            case "commons-pool2" -> new CommonsPool2Peer();
            case "stormpot" -> new StormpotPeer();
            case "abq" -> new ArrayBlockingQueuePeer();
            default -> throw new IllegalArgumentException("unknown pool " + name + "; known: " + NAMES);
        };
    }

    /**
     * Builds the pool with exactly {@code poolSize} objects and waits until all of them can be borrowed.
     *
     * @param poolSize at least 1
     * @throws Exception if the pool cannot be built or does not fill within 10 seconds
     */
    void setUp(int poolSize) throws Exception;

    /**
     * Borrows one object, waiting (up to a generous timeout) if none is available.
     *
     * @return the lease, to be passed to {@link #release(Object)}
     * @throws Exception if the pool gives nothing within the timeout
     */
    Object borrow() throws Exception;

    /**
     * Gives back what {@link #borrow()} returned.
     *
     * @param lease the object borrowed
     * @throws Exception as the pool's own release does
     */
    void release(Object lease) throws Exception;

    /**
     * Closes the pool.
     *
     * @throws Exception as the pool's own shutdown does
     */
    void tearDown() throws Exception;
}
