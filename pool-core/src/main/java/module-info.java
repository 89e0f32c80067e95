/**
 * The wspool engine. Applications use {@link io.github.wspool.core.WebSocketPools#builder()}; transport authors
 * implement {@link io.github.wspool.core.spi.Transport}. Everything in {@code io.github.wspool.core.internal} is
 * private to this module.
 */
@SuppressWarnings({"requires-automatic", "requires-transitive-automatic"}) // Resilience4j ships automatic modules
module io.github.wspool.core {
    requires transitive io.github.wspool.api;
    requires transitive io.github.wspool.strategy;
    requires transitive io.github.resilience4j.circuitbreaker;
    requires transitive io.github.resilience4j.core;
    requires com.github.benmanes.caffeine;
    requires org.java_websocket;
    requires org.slf4j;

    exports io.github.wspool.core;
    exports io.github.wspool.core.spi;
}
