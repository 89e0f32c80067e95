package io.github.wspool.core;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * How {@link EndpointResolvers#dns(java.net.URI, DnsResolverOptions)} looks a name up: how often, how often at most,
 * how long a lookup may take, the weight of each address, and the name service asked.
 *
 * <p>Start from {@link #defaults()} and change what differs, for example
 * {@code DnsResolverOptions.defaults().withRefreshInterval(Duration.ofSeconds(10))}.
 *
 * @param refreshInterval how often the name is looked up again (default 30 s); at least {@code minInterval}
 * @param minInterval     the least time between two lookups, however often connect failures ask for one (default
 *                        5 s); positive
 * @param lookupTimeout   how long one lookup may take before it counts as failed (default 5 s); positive
 * @param weight          the weight of each address's endpoint (default 1); at least 1
 * @param nameService     who answers the lookups (default {@link NameService#system()}: the JVM's resolver, with its
 *                        own cache, {@code networkaddress.cache.ttl})
 */
public record DnsResolverOptions(Duration refreshInterval, Duration minInterval, Duration lookupTimeout, int weight,
                                 NameService nameService) {

    /**
     * Where the addresses of a name come from; tests answer with their own.
     */
    @FunctionalInterface
    public interface NameService {

        /**
         * Every address of {@code host} (A and AAAA records).
         *
         * @param host the host name
         * @return its addresses; an empty list counts as a failed lookup
         * @throws UnknownHostException if the name does not resolve
         */
        List<InetAddress> lookup(String host) throws UnknownHostException;

        /**
         * The JVM's name service: {@link InetAddress#getAllByName(String)}.
         *
         * @return the system name service
         */
        static NameService system() {
            return SystemNameService.INSTANCE;
        }
    }

    /** The JVM's name service, named for logs. */
    private enum SystemNameService implements NameService {
        INSTANCE;

        @Override
        public List<InetAddress> lookup(String host) throws UnknownHostException {
            return List.of(InetAddress.getAllByName(host));
        }

        @Override
        public String toString() {
            return "InetAddress.getAllByName";
        }
    }

    /**
     * Validates.
     *
     * @param refreshInterval positive, at least {@code minInterval}
     * @param minInterval     positive
     * @param lookupTimeout   positive
     * @param weight          at least 1
     * @param nameService     not null
     */
    public DnsResolverOptions {
        positive("refreshInterval", refreshInterval);
        positive("minInterval", minInterval);
        positive("lookupTimeout", lookupTimeout);
        Objects.requireNonNull(nameService, "nameService");
        if (refreshInterval.compareTo(minInterval) < 0) {
            throw new IllegalArgumentException("refreshInterval (" + refreshInterval + ") must not be shorter than"
                    + " minInterval (" + minInterval + ")");
        }
        if (weight < 1) {
            throw new IllegalArgumentException("weight must be at least 1, but was " + weight);
        }
    }

    private static void positive(String name, Duration d) {
        Objects.requireNonNull(d, name);
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(name + " must be positive, but was " + d);
        }
    }

    /**
     * Refresh every 30 s, at most one lookup per 5 s, lookups time out after 5 s, weight 1, the JVM's name service.
     *
     * @return the defaults
     */
    public static DnsResolverOptions defaults() {
        return new DnsResolverOptions(Duration.ofSeconds(30), Duration.ofSeconds(5), Duration.ofSeconds(5), 1,
                NameService.system());
    }

    /**
     * These options with another refresh interval.
     *
     * @param interval positive, at least {@link #minInterval()}
     * @return a copy
     */
    public DnsResolverOptions withRefreshInterval(Duration interval) {
        return new DnsResolverOptions(interval, minInterval, lookupTimeout, weight, nameService);
    }

    /**
     * These options with another minimum interval between lookups. (To raise it above the refresh interval, raise the
     * refresh interval first: each copy is validated whole.)
     *
     * @param interval positive, at most {@link #refreshInterval()}
     * @return a copy
     */
    public DnsResolverOptions withMinInterval(Duration interval) {
        return new DnsResolverOptions(refreshInterval, interval, lookupTimeout, weight, nameService);
    }

    /**
     * These options with another lookup timeout.
     *
     * @param timeout positive
     * @return a copy
     */
    public DnsResolverOptions withLookupTimeout(Duration timeout) {
        return new DnsResolverOptions(refreshInterval, minInterval, timeout, weight, nameService);
    }

    /**
     * These options with another weight per address.
     *
     * @param perAddress at least 1
     * @return a copy
     */
    public DnsResolverOptions withWeight(int perAddress) {
        return new DnsResolverOptions(refreshInterval, minInterval, lookupTimeout, perAddress, nameService);
    }

    /**
     * These options with another name service (tests answer with their own addresses).
     *
     * @param service not null
     * @return a copy
     */
    public DnsResolverOptions withNameService(NameService service) {
        return new DnsResolverOptions(refreshInterval, minInterval, lookupTimeout, weight, service);
    }
}
