/**
 * The wspool contract: what applications and other modules compile against.
 *
 * <p>Depends on the JDK only. Implementations live in {@code pool-core}; selection algorithms in
 * {@code pool-strategies}; Micrometer metrics in {@code pool-metrics}.
 */
module io.github.wspool.api {
    exports io.github.wspool;
    exports io.github.wspool.event;
}
