package io.github.wspool.core;

import io.github.wspool.EndpointResolver;
import io.github.wspool.core.internal.fleet.DnsEndpointResolver;
import io.github.wspool.core.internal.fleet.FixedEndpointResolver;
import java.net.URI;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;

/**
 * The built-in {@link EndpointResolver}s, for {@link WebSocketPoolBuilder#endpointResolver(EndpointResolver)}:
 * a fixed list, and DNS discovery (every address of a name is an endpoint, looked up again on an interval and when a
 * connect fails).
 */
public final class EndpointResolvers {

    private EndpointResolvers() {
    }

    /**
     * A resolver that gives one set, these endpoints with weight 1, as soon as a pool subscribes, and never changes
     * it: what {@link WebSocketPoolBuilder#endpoint(URI)} does, as a resolver (useful to test code written against
     * resolvers).
     *
     * @param uris {@code ws://} or {@code wss://} URIs; duplicates count once
     * @return the resolver
     * @throws IllegalArgumentException if a URI is not {@code ws://} or {@code wss://}
     */
    public static EndpointResolver fixed(Collection<URI> uris) {
        Objects.requireNonNull(uris, "uris");
        List<EndpointResolver.Target> targets = new ArrayList<>(uris.size());
        for (URI uri : uris) {
            targets.add(EndpointResolver.Target.of(uri));
        }
        return new FixedEndpointResolver(targets);
    }

    /**
     * A resolver that gives one set, these endpoints, as soon as a pool subscribes, and never changes it.
     *
     * @param targets the endpoints, with their weights and server names; duplicates of a URI count once
     * @return the resolver
     */
    public static EndpointResolver fixed(EndpointResolver.Target... targets) {
        Objects.requireNonNull(targets, "targets");
        return new FixedEndpointResolver(List.of(targets));
    }

    /**
     * DNS discovery with the {@linkplain DnsResolverOptions#defaults() default options}: see
     * {@link #dns(URI, DnsResolverOptions)}.
     *
     * @param template a {@code ws://} or {@code wss://} URI whose host is the name to look up
     * @return the resolver
     * @throws IllegalArgumentException if the template is not a {@code ws://} or {@code wss://} URI with a host
     */
    public static EndpointResolver dns(String template) {
        Objects.requireNonNull(template, "template");
        return dns(URI.create(template), DnsResolverOptions.defaults());
    }

    /**
     * DNS discovery with the {@linkplain DnsResolverOptions#defaults() default options}: see
     * {@link #dns(URI, DnsResolverOptions)}.
     *
     * @param template a {@code ws://} or {@code wss://} URI whose host is the name to look up
     * @return the resolver
     * @throws IllegalArgumentException if the template is not a {@code ws://} or {@code wss://} URI with a host
     */
    public static EndpointResolver dns(URI template) {
        return dns(template, DnsResolverOptions.defaults());
    }

    /**
     * DNS discovery: every address (A and AAAA record) of the template's host is an endpoint
     * {@code ws(s)://<address>:<port><path>?<query>} (IPv6 addresses in brackets), of the options' weight, whose
     * server name is the host name: the {@code Host} header names it, and over {@code wss://} it is the TLS server
     * name (SNI) and the name the server's certificate is verified against, as if the name had been connected to.
     *
     * <ul>
     *   <li>The name is looked up when the first pool subscribes, then every {@code refreshInterval}, and sooner when
     *       a connect to one of its endpoints fails, but never twice within {@code minInterval} and never two lookups
     *       at once.</li>
     *   <li>A set is given to the pool only when it differs from the last; the pool reconciles it (new addresses
     *       join, vanished ones drain without dropping a lease).</li>
     *   <li>A lookup that fails, times out ({@code lookupTimeout}) or finds no address keeps the set as it was (a DNS
     *       hiccup never drains every endpoint) and is logged once until a lookup succeeds again.</li>
     *   <li>Lookups run on a daemon thread of the resolver's ({@code wspool-dns-<host>}), started with the first
     *       subscription and stopped when the last one is closed (when the last pool using it closes). One resolver
     *       may serve several pools.</li>
     *   <li>The JVM caches lookups ({@code networkaddress.cache.ttl}, 30 s by default without a security manager): a
     *       refresh sees a change only once the JVM's cache let it go.</li>
     * </ul>
     *
     * @param template a {@code ws://} or {@code wss://} URI whose host is the name to look up; its port, path and
     *                 query are kept in each endpoint
     * @param options  intervals, timeout, weight, name service
     * @return the resolver
     * @throws IllegalArgumentException if the template is not a {@code ws://} or {@code wss://} URI with a host
     */
    public static EndpointResolver dns(URI template, DnsResolverOptions options) {
        Objects.requireNonNull(template, "template");
        Objects.requireNonNull(options, "options");
        return new DnsEndpointResolver(template, options.refreshInterval().toNanos(),
                options.minInterval().toNanos(), options.lookupTimeout().toNanos(), options.weight(),
                options.nameService()::lookup, options.nameService().toString());
    }
}
