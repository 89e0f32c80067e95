/**
 * The wspool contract: {@link io.github.wspool.WebSocketPool}, {@link io.github.wspool.PooledConnection}, the
 * connection lifecycle, endpoints and the strategy SPI, listeners, and the exception family rooted at
 * {@link io.github.wspool.PoolException}.
 */
package io.github.wspool;
