/**
 * The transport SPI: the small interface through which the pool opens WebSocket connections, sends, pings and
 * closes, and hears back about opens, messages, pongs and closes. {@link io.github.wspool.core.spi.InMemoryTransport}
 * is a complete in-process implementation for tests and benchmarks.
 */
package io.github.wspool.core.spi;
