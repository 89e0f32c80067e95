package io.github.wspool.benchmarks;

import java.util.concurrent.ArrayBlockingQueue;

/**
 * A plain, non-fair {@link ArrayBlockingQueue} of objects: {@code take()} to borrow, {@code put} to release. One
 * lock for both ends; the baseline any pool's fast path should beat.
 */
final class ArrayBlockingQueuePeer implements PeerPool {

    private ArrayBlockingQueue<Object> queue;

    @Override
    public void setUp(int poolSize) {
        queue = new ArrayBlockingQueue<>(poolSize);
        for (int i = 0; i < poolSize; i++) {
            queue.add(new Object());
        }
    }

    @Override
    public Object borrow() throws InterruptedException {
        return queue.take();
    }

    @Override
    public void release(Object lease) throws InterruptedException {
        queue.put(lease);
    }

    @Override
    public void tearDown() {
        queue.clear();
    }
}
