package io.github.wspool;

/**
 * An application-level health probe: the pool sends {@link #request(String)} on an idle connection every probe
 * interval and expects a reply that {@link #isReply(String, String)} recognises within the probe timeout. A
 * connection that fails the configured number of probes in a row is unhealthy and recycled (Envoy's
 * {@code unhealthy_threshold}).
 *
 * <p>Probes run only on connections that are not leased, one at a time per connection, from the pool's housekeeping
 * thread; the reply is consumed by the pool. Implementations must be thread-safe and fast (no I/O of their own).
 *
 * <pre>{@code
 * HealthProbe ping = new HealthProbe() {
 *     public String request(String probeId) {
 *         return "{\"type\":\"ping\",\"messageId\":\"" + probeId + "\"}";
 *     }
 *     public boolean isReply(String message, String probeId) {
 *         return message.contains("\"type\":\"pong\"") && message.contains(probeId);
 *     }
 * };
 * }</pre>
 */
public interface HealthProbe {

    /**
     * The probe message to send.
     *
     * @param probeId a unique id for this probe, to correlate the reply
     * @return the text message
     */
    String request(String probeId);

    /**
     * Whether an inbound text message is the reply to the probe with this id.
     *
     * @param message the inbound message
     * @param probeId the id given to {@link #request(String)}
     * @return {@code true} if it is the reply
     */
    boolean isReply(String message, String probeId);
}
