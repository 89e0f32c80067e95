/**
 * Endpoint selection algorithms for wspool: pure, allocation-free on the hot path, no I/O, no threads.
 */
module io.github.wspool.strategy {
    requires transitive io.github.wspool.api;

    exports io.github.wspool.strategy;
}
