package io.github.wspool.core.internal.fleet;

import io.github.wspool.Endpoint;
import io.github.wspool.EndpointResolver;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * DNS discovery: every address of the template's host is an endpoint (see
 * {@code io.github.wspool.core.EndpointResolvers#dns}). One scheduler thread plans and runs the lookups and delivers
 * the sets (so each subscriber is called one set at a time); the lookup itself runs on a second thread so that its
 * timeout can be kept, and a lookup still stuck there past its timeout keeps the next from starting (never two at
 * once). Both threads are daemons, started with the first subscription and stopped with the last.
 */
public final class DnsEndpointResolver implements EndpointResolver {

    private static final Logger log = LoggerFactory.getLogger(DnsEndpointResolver.class);
    private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");
    private static final Comparator<Target> BY_URI = Comparator.comparing(t -> t.uri().toString());

    /** Looks a name up (the options' name service). */
    @FunctionalInterface
    public interface Lookup {
        /**
         * Every address of {@code host}.
         *
         * @param host the name
         * @return its addresses
         * @throws UnknownHostException if it does not resolve
         */
        List<InetAddress> lookup(String host) throws UnknownHostException;
    }

    private final URI template;
    private final String host;
    private final String prefix;
    private final String suffix;
    private final String serverName;
    private final long refreshNanos;
    private final long minNanos;
    private final long timeoutNanos;
    private final int weight;
    private final Lookup names;
    private final String namesShown;

    private final Object lock = new Object();
    /** Current subscribers; guarded by {@link #lock} for changes. */
    private final List<Listener> listeners = new CopyOnWriteArrayList<>();
    /** The last set found; {@code null} before the first. Written on the scheduler thread (and reset at a start). */
    private volatile List<Target> current;
    private ScheduledExecutorService scheduler; // guarded by lock
    private ExecutorService lookups; // guarded by lock
    private ScheduledFuture<?> next; // guarded by lock
    private long nextAt; // guarded by lock: when next runs (nanoTime)
    private long lastLookupAt; // guarded by lock
    private boolean looked; // guarded by lock
    private volatile Future<List<InetAddress>> inFlight; // the scheduler thread's (reset at a start)
    private volatile boolean failing; // the scheduler thread's (reset at a start)

    /**
     * @param template     a {@code ws://} or {@code wss://} URI with a host
     * @param refreshNanos the refresh interval
     * @param minNanos     the least time between lookups
     * @param timeoutNanos how long a lookup may take
     * @param weight       each address's weight
     * @param names        the name service
     * @param namesShown   the name service, described for logs
     */
    public DnsEndpointResolver(URI template, long refreshNanos, long minNanos, long timeoutNanos, int weight,
                               Lookup names, String namesShown) {
        Objects.requireNonNull(template, "template");
        String scheme = template.getScheme() == null ? "" : template.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("ws") && !scheme.equals("wss")) {
            throw new IllegalArgumentException("a DNS template must be a ws:// or wss:// URI, but was "
                    + Endpoint.describe(template));
        }
        String h = template.getHost();
        if (h == null || h.isEmpty()) {
            throw new IllegalArgumentException("a DNS template needs a host name to look up, but "
                    + Endpoint.describe(template) + " has none");
        }
        this.template = template;
        this.host = h.startsWith("[") && h.endsWith("]") ? h.substring(1, h.length() - 1) : h;
        this.serverName = literal(host) ? null : host;
        this.prefix = scheme + "://";
        this.suffix = (template.getPort() >= 0 ? ":" + template.getPort() : "")
                + (template.getRawPath() == null ? "" : template.getRawPath())
                + (template.getRawQuery() == null ? "" : "?" + template.getRawQuery());
        this.refreshNanos = refreshNanos;
        this.minNanos = minNanos;
        this.timeoutNanos = timeoutNanos;
        this.weight = weight;
        this.names = Objects.requireNonNull(names, "names");
        this.namesShown = namesShown;
    }

    private static boolean literal(String host) {
        return host.indexOf(':') >= 0 || IPV4.matcher(host).matches();
    }

    @Override
    public AutoCloseable subscribe(Listener listener) {
        Objects.requireNonNull(listener, "listener");
        synchronized (lock) {
            listeners.add(listener);
            if (scheduler == null) {
                scheduler = Executors.newSingleThreadScheduledExecutor(daemon("wspool-dns-" + host));
                lookups = Executors.newSingleThreadExecutor(daemon("wspool-dns-" + host + "-lookup"));
                inFlight = null;
                current = null; // a new start: its first lookup's set goes to everyone, even if nothing changed
                failing = false;
                planLocked(0);
            } else {
                ScheduledExecutorService s = scheduler;
                s.execute(() -> {
                    List<Target> known = current;
                    if (known != null && listeners.contains(listener)) {
                        deliver(listener, known); // a later subscriber gets what is known at once
                    }
                });
            }
        }
        return () -> unsubscribe(listener);
    }

    private void unsubscribe(Listener listener) {
        synchronized (lock) {
            if (!listeners.remove(listener) || !listeners.isEmpty() || scheduler == null) {
                return;
            }
            scheduler.shutdownNow();
            lookups.shutdownNow();
            scheduler = null;
            lookups = null;
            next = null;
        }
    }

    /** A connect to one of the endpoints failed: look again soon, within the minimum interval. */
    @Override
    public void connectFailed(URI endpoint) {
        synchronized (lock) {
            if (scheduler == null) {
                return;
            }
            long earliest = looked ? lastLookupAt + minNanos : System.nanoTime();
            planLocked(Math.max(0, earliest - System.nanoTime()));
        }
    }

    /** Plans the next lookup in {@code delayNanos}, unless one is planned sooner already. */
    private void planLocked(long delayNanos) {
        long at = System.nanoTime() + delayNanos;
        if (next != null && !next.isDone() && nextAt - at <= 0) {
            return;
        }
        if (next != null) {
            next.cancel(false);
        }
        nextAt = at;
        next = scheduler.schedule(this::lookup, delayNanos, TimeUnit.NANOSECONDS);
    }

    /** One lookup, on the scheduler thread. */
    private void lookup() {
        synchronized (lock) {
            if (scheduler == null) {
                return;
            }
            lastLookupAt = System.nanoTime(); // again when the name service is actually asked (resolve)
            looked = true;
            next = null; // this one runs now: a hint meanwhile plans the one after it
        }
        List<InetAddress> found = null;
        String failure;
        try {
            found = resolve();
            failure = found.isEmpty() ? "no address" : null;
        } catch (UnknownHostException e) {
            failure = "unknown host: " + e.getMessage();
        } catch (TimeoutException e) {
            failure = "no answer within " + TimeUnit.NANOSECONDS.toMillis(timeoutNanos) + " ms";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return; // stopping
        } catch (Exception e) {
            failure = String.valueOf(e);
        }
        if (failure != null) {
            failed(failure);
        } else {
            found(found);
        }
        synchronized (lock) {
            if (scheduler != null && !Thread.currentThread().isInterrupted()) {
                planLocked(refreshNanos);
            }
        }
    }

    private List<InetAddress> resolve() throws Exception {
        if (inFlight != null && !inFlight.isDone()) {
            throw new TimeoutException("the previous lookup is still running");
        }
        ExecutorService worker;
        synchronized (lock) {
            worker = lookups;
        }
        if (worker == null) {
            throw new InterruptedException("stopped");
        }
        Future<List<InetAddress>> f = worker.submit(() -> {
            synchronized (lock) {
                lastLookupAt = System.nanoTime(); // the minimum interval counts from when the name service is asked
            }
            return names.lookup(host);
        });
        inFlight = f;
        try {
            List<InetAddress> addresses = f.get(timeoutNanos, TimeUnit.NANOSECONDS);
            return addresses == null ? List.of() : addresses;
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof Exception ex) {
                throw ex;
            }
            throw e;
        }
    }

    private void failed(String why) {
        List<Target> kept = current;
        if (!failing) {
            failing = true;
            log.warn("DNS lookup of {} ({}) failed: {}; keeping the {} endpoint(s) it had{}", host, namesShown, why,
                    kept == null ? 0 : kept.size(), " (logged once until a lookup succeeds again)");
        } else if (log.isDebugEnabled()) {
            log.debug("DNS lookup of {} failed again: {}", host, why);
        }
    }

    private void found(List<InetAddress> addresses) {
        if (failing) {
            failing = false;
            log.info("DNS lookup of {} succeeds again", host);
        }
        List<Target> targets = targets(addresses);
        if (targets.equals(current)) {
            return;
        }
        current = targets;
        if (log.isDebugEnabled()) {
            log.debug("DNS lookup of {} found {} address(es): {}", host, targets.size(), targets);
        }
        for (Listener l : listeners) {
            deliver(l, targets);
        }
    }

    private void deliver(Listener l, List<Target> targets) {
        try {
            l.endpoints(targets);
        } catch (RuntimeException e) {
            log.warn("a subscriber of the DNS resolver for {} failed on a new set", host, e);
        }
    }

    /**
     * The endpoints of {@code addresses}: one per distinct address, sorted, so that equal answers make equal sets.
     *
     * @param addresses the lookup's answer
     * @return the targets
     */
    List<Target> targets(List<InetAddress> addresses) {
        Map<URI, Target> unique = new LinkedHashMap<>();
        for (InetAddress a : addresses) {
            if (a == null) {
                continue;
            }
            URI uri = URI.create(prefix + literalOf(a) + suffix);
            unique.putIfAbsent(uri, new Target(uri, weight, serverName));
        }
        List<Target> sorted = new ArrayList<>(unique.values());
        sorted.sort(BY_URI);
        return List.copyOf(sorted);
    }

    /** The address as a URI host: IPv6 in brackets, without a zone. */
    private static String literalOf(InetAddress a) {
        String text = a.getHostAddress();
        if (a instanceof Inet6Address) {
            int zone = text.indexOf('%');
            return "[" + (zone >= 0 ? text.substring(0, zone) : text) + "]";
        }
        return text;
    }

    private static ThreadFactory daemon(String name) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, n.getAndIncrement() == 0 ? name : name + "-" + n.get());
            t.setDaemon(true);
            return t;
        };
    }

    @Override
    public String toString() {
        return "dns(" + Endpoint.describe(template) + ", every " + TimeUnit.NANOSECONDS.toMillis(refreshNanos)
                + " ms)";
    }
}
