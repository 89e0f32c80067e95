/**
 * Ready-made {@link io.github.wspool.LoadBalancingStrategy} implementations, obtained from
 * {@link io.github.wspool.strategy.Strategies}.
 */
package io.github.wspool.strategy;
