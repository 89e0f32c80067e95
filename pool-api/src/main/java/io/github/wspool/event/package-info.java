/**
 * Immutable event records delivered to {@link io.github.wspool.PoolListener}.
 */
package io.github.wspool.event;
