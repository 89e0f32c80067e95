package io.github.wspool.core.fleet;

/**
 * The fleet's key layout, every key behind the configured prefix ({@code wspool:} by default).
 *
 * <table>
 *   <caption>Keys</caption>
 *   <tr><th>key</th><th>type</th><th>lifetime</th></tr>
 *   <tr><td>{@code servers}</td><td>set of server ids</td><td>3 heartbeat TTLs, renewed by every heartbeat</td></tr>
 *   <tr><td>{@code server:{id}}</td><td>hash: url, weight, heartbeat</td><td>heartbeat TTL; deleted on
 *       unregister</td></tr>
 *   <tr><td>{@code servers:changes}</td><td>pub/sub channel</td><td>—</td></tr>
 *   <tr><td>{@code instances}</td><td>sorted set: instance id scored by expiry</td><td>record TTL</td></tr>
 *   <tr><td>{@code conn:{instance}:{connection}}</td><td>hash: server, instance, pool, state, created,
 *       lastActive</td><td>record TTL; deleted when the connection or its pool closes</td></tr>
 *   <tr><td>{@code server:{id}:connections}</td><td>sorted set: connection keys scored by expiry</td><td>record
 *       TTL</td></tr>
 *   <tr><td>{@code server:{id}:health}</td><td>hash: instance → {@code up:<ms>} / {@code down:<ms>}</td><td>record
 *       TTL</td></tr>
 *   <tr><td>{@code pool:stats:{instance}}</td><td>hash: pool, host, connections, active, updated,
 *       {@code s:<server>}</td><td>record TTL; deleted when the pool leaves</td></tr>
 *   <tr><td>{@code client:{clientId}:sessions}</td><td>hash: pool/channel → position</td><td>session TTL from the
 *       last write</td></tr>
 * </table>
 *
 * <p>A server's {@code {id}} is its registered id, or, for an endpoint that is not registered, its URI.
 */
final class Keys {

    private final String prefix;

    Keys(String prefix) {
        this.prefix = prefix;
    }

    String servers() {
        return prefix + "servers";
    }

    String server(String id) {
        return prefix + "server:" + id;
    }

    String changes() {
        return prefix + "servers:changes";
    }

    String instances() {
        return prefix + "instances";
    }

    String conn(String connectionKey) {
        return prefix + "conn:" + connectionKey;
    }

    String serverConnections(String server) {
        return prefix + "server:" + server + ":connections";
    }

    String serverHealth(String server) {
        return prefix + "server:" + server + ":health";
    }

    String stats(String instance) {
        return prefix + "pool:stats:" + instance;
    }

    String sessions(String clientId) {
        return prefix + "client:" + clientId + ":sessions";
    }
}
