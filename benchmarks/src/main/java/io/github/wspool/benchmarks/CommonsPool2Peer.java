package io.github.wspool.benchmarks;

import java.time.Duration;
import org.apache.commons.pool2.BasePooledObjectFactory;
import org.apache.commons.pool2.PooledObject;
import org.apache.commons.pool2.impl.DefaultPooledObject;
import org.apache.commons.pool2.impl.GenericObjectPool;
import org.apache.commons.pool2.impl.GenericObjectPoolConfig;

/**
 * Apache Commons Pool2's {@link GenericObjectPool} with {@code maxTotal = maxIdle = minIdle = poolSize}, blocking
 * when exhausted, no evictor, no validation, JMX off, pre-filled with {@code addObjects}. Otherwise defaults
 * (LIFO, non-fair): the borrow/return statistics it keeps are part of what is measured.
 */
final class CommonsPool2Peer implements PeerPool {

    private GenericObjectPool<Object> pool;

    @Override
    public void setUp(int poolSize) throws Exception {
        GenericObjectPoolConfig<Object> config = new GenericObjectPoolConfig<>();
        config.setMaxTotal(poolSize);
        config.setMaxIdle(poolSize);
        config.setMinIdle(poolSize);
        config.setBlockWhenExhausted(true);
        config.setMaxWait(Duration.ofSeconds(30));
        config.setTimeBetweenEvictionRuns(Duration.ofMillis(-1)); // no evictor thread
        config.setTestOnBorrow(false);
        config.setTestOnReturn(false);
        config.setJmxEnabled(false);
        pool = new GenericObjectPool<>(new PlainObjectFactory(), config);
        pool.addObjects(poolSize);
        if (pool.getNumIdle() != poolSize) {
            throw new IllegalStateException("commons-pool2 did not pre-fill: " + pool.getNumIdle() + " idle");
        }
    }

    @Override
    public Object borrow() throws Exception {
        return pool.borrowObject();
    }

    @Override
    public void release(Object lease) {
        pool.returnObject(lease);
    }

    @Override
    public void tearDown() {
        pool.close();
    }

    /** Makes plain {@code Object}s; nothing to validate or destroy. */
    static final class PlainObjectFactory extends BasePooledObjectFactory<Object> {

        @Override
        public Object create() {
            return new Object();
        }

        @Override
        public PooledObject<Object> wrap(Object obj) {
            return new DefaultPooledObject<>(obj);
        }
    }
}
