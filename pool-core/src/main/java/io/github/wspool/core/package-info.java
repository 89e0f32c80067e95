/**
 * The entry point: {@link io.github.wspool.core.WebSocketPools#builder()}.
 */
package io.github.wspool.core;
