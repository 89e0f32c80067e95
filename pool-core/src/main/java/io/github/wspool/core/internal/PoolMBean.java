package io.github.wspool.core.internal;

import io.github.wspool.ConnectionState;
import io.github.wspool.Endpoint;
import io.github.wspool.EndpointSnapshot;
import io.github.wspool.PoolControl;
import io.github.wspool.PoolReconfiguration;
import io.github.wspool.WebSocketPool;
import io.github.wspool.WebSocketPoolMXBean;
import io.github.wspool.core.internal.lease.LeaseBroker;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import javax.management.InstanceAlreadyExistsException;
import javax.management.InstanceNotFoundException;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.MalformedObjectNameException;
import javax.management.ObjectName;
import javax.management.StandardMBean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A pool's {@link WebSocketPoolMXBean}: each call goes to its {@link PoolControl} (resizes through
 * {@code reconfigure}) or its stats. Registered with the platform MBean server by {@link #register}, unregistered by
 * {@link #unregister()} when the pool closes.
 */
final class PoolMBean implements WebSocketPoolMXBean {

    private static final Logger log = LoggerFactory.getLogger(PoolMBean.class);
    /** Characters that must be quoted in an {@link ObjectName} value. */
    private static final String SPECIAL = ",=:\"*?\n";

    private final WebSocketPool pool;
    private final PoolControl control;
    private final LeaseBroker leases;
    private volatile ObjectName registeredAs;

    PoolMBean(WebSocketPool pool, LeaseBroker leases) {
        this.pool = pool;
        this.control = pool.control();
        this.leases = leases;
    }

    /**
     * The name a pool's bean is registered under: {@code io.github.wspool:type=Pool,name=<pool name>}, the name
     * quoted ({@link ObjectName#quote}) if it has characters an unquoted value may not.
     *
     * @param poolName the pool's name
     * @return the object name
     */
    static ObjectName objectName(String poolName) {
        String value = poolName;
        for (int i = 0; i < poolName.length(); i++) {
            if (SPECIAL.indexOf(poolName.charAt(i)) >= 0) {
                value = ObjectName.quote(poolName);
                break;
            }
        }
        try {
            return new ObjectName("io.github.wspool:type=Pool,name=" + value);
        } catch (MalformedObjectNameException e) {
            throw new IllegalArgumentException("pool name " + poolName + " cannot name an MBean: " + e.getMessage(), e);
        }
    }

    /**
     * Registers this bean with the platform MBean server.
     *
     * @throws IllegalStateException if a bean of that name is registered already (another open pool of the same
     *                               name registers its beans), or registration failed
     */
    void register() {
        ObjectName name = objectName(pool.name());
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        try {
            server.registerMBean(new StandardMBean(this, WebSocketPoolMXBean.class, true), name);
        } catch (InstanceAlreadyExistsException e) {
            throw new IllegalStateException("Pool '" + pool.name() + "': registerMbeans(true), but an MBean named "
                    + name + " is registered already (another pool of the same name that is still open?): give each"
                    + " pool its own name(...), or close the other one first", e);
        } catch (JMException e) {
            throw new IllegalStateException("Pool '" + pool.name() + "': could not register MBean " + name + ": "
                    + e.getMessage(), e);
        }
        registeredAs = name;
        log.info("[{}] registered MBean {}", pool.name(), name);
    }

    /** Unregisters the bean if it is registered; idempotent. */
    void unregister() {
        ObjectName name = registeredAs;
        if (name == null) {
            return;
        }
        registeredAs = null;
        try {
            ManagementFactory.getPlatformMBeanServer().unregisterMBean(name);
        } catch (InstanceNotFoundException e) {
            log.debug("[{}] MBean {} was unregistered by someone else", pool.name(), name);
        } catch (JMException e) {
            log.warn("[{}] could not unregister MBean {}: {}", pool.name(), name, e.toString());
        }
    }

    @Override
    public String getPoolName() {
        return pool.name();
    }

    @Override
    public int getTotalConnections() {
        return pool.stats().total();
    }

    @Override
    public int getActiveConnections() {
        return control.connections(ConnectionState.ACTIVE);
    }

    @Override
    public int getIdleConnections() {
        return control.connections(ConnectionState.READY) + control.connections(ConnectionState.IDLE);
    }

    @Override
    public int getPendingAcquires() {
        return control.pendingAcquires();
    }

    @Override
    public int getConnections(String state) {
        if (state == null) {
            throw new IllegalArgumentException("state must be one of " + Arrays.toString(ConnectionState.values()));
        }
        try {
            return control.connections(ConnectionState.valueOf(state.trim().toUpperCase(Locale.ROOT)));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("no connection state " + state + "; one of "
                    + Arrays.toString(ConnectionState.values()), e);
        }
    }

    @Override
    public Map<String, Integer> getConnectionsByState() {
        Map<String, Integer> counts = new LinkedHashMap<>();
        for (ConnectionState s : ConnectionState.values()) {
            counts.put(s.name(), control.connections(s));
        }
        return counts;
    }

    @Override
    public Map<String, Boolean> getEndpointHealth() {
        Map<String, Boolean> health = new LinkedHashMap<>();
        for (EndpointSnapshot e : control.endpoints()) {
            health.put(Endpoint.describe(e.uri()), e.healthy());
        }
        return health;
    }

    @Override
    public String getHealthStatus() {
        return control.health().status().name();
    }

    @Override
    public String[] getHealthReasons() {
        return control.health().reasons().toArray(new String[0]);
    }

    @Override
    public int getMinConnections() {
        return control.minConnections();
    }

    @Override
    public void setMinConnections(int min) {
        control.reconfigure(PoolReconfiguration.builder().minConnections(min).build());
    }

    @Override
    public int getMaxConnections() {
        return control.maxConnections();
    }

    @Override
    public void setMaxConnections(int max) {
        control.reconfigure(PoolReconfiguration.builder().maxConnections(max).build());
    }

    @Override
    public long getAcquireTimeoutMillis() {
        return leases.acquireTimeout().toMillis();
    }

    @Override
    public void setAcquireTimeoutMillis(long millis) {
        if (millis < 0) {
            throw new IllegalArgumentException("acquireTimeout must be zero or positive, but was " + millis + " ms");
        }
        control.reconfigure(PoolReconfiguration.builder().acquireTimeout(Duration.ofMillis(millis)).build());
    }

    @Override
    public void suspend() {
        control.suspend();
    }

    @Override
    public void resume() {
        control.resume();
    }

    @Override
    public boolean isSuspended() {
        return control.isSuspended();
    }

    @Override
    public void softEvict() {
        control.softEvict();
    }

    @Override
    public String toString() {
        return "WebSocketPoolMXBean[" + pool.name() + "]";
    }
}
