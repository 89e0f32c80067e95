package io.github.wspool.event;

import io.github.wspool.Endpoint;
import java.time.Duration;

/**
 * A message sent with {@link io.github.wspool.PooledConnection#sendAsync(String) sendAsync} was written to the socket.
 * Plain {@code send} calls report no event (they are counted by the per-endpoint traffic counters of
 * {@link io.github.wspool.EndpointSnapshot} only), so a pool pays for this event only on tracked sends, and only
 * while someone listens.
 *
 * @param pool         the pool's name
 * @param connectionId the connection it was sent on
 * @param endpoint     its endpoint
 * @param bytes        the message's payload bytes (UTF-8 for text)
 * @param latency      from the pool accepting the message (its outgoing buffer had room) to the frame written
 */
public record SendEvent(String pool, String connectionId, Endpoint endpoint, long bytes, Duration latency) {
}
