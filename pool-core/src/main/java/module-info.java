/**
 * The wspool engine. Applications use {@link io.github.wspool.core.WebSocketPools#builder()}; transport authors
 * implement {@link io.github.wspool.core.spi.Transport}. Everything in {@code io.github.wspool.core.internal} and its
 * sub-packages is private to this module (the map is {@code pool-core/ARCHITECTURE.md}).
 *
 * <p>Read transitively: the contract ({@code io.github.wspool.api}) and Resilience4j's circuit breaker, whose
 * {@code CircuitBreakerConfig} and {@code CircuitBreakerRegistry} the builder takes. The built-in strategies
 * ({@code io.github.wspool.strategy}) are the default but not part of this module's API: an application that names
 * {@code Strategies} requires that module itself.
 *
 * <p>Fleet mode ({@code io.github.wspool.core.fleet.RedisFleet}) needs Lettuce ({@code lettuce.core}), which this
 * module reads only if present: an application that uses fleet mode requires it itself.
 */
@SuppressWarnings({"requires-automatic", "requires-transitive-automatic"}) // Resilience4j ships automatic modules
module io.github.wspool.core {
    requires transitive io.github.wspool.api;
    requires transitive io.github.resilience4j.circuitbreaker;
    requires io.github.wspool.strategy;
    requires io.github.resilience4j.core;
    requires com.github.benmanes.caffeine;
    requires org.java_websocket;
    requires org.slf4j;
    requires java.management;
    requires com.fasterxml.jackson.core;
    requires static lettuce.core; // fleet mode (io.github.wspool.core.fleet) only: an optional dependency

    exports io.github.wspool.core;
    exports io.github.wspool.core.spi;
    exports io.github.wspool.core.fleet;
}
