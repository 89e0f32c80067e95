package io.github.wspool.strategy;

import io.github.wspool.EndpointView;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;

/** A fixed endpoint view for strategy tests. */
final class TestEndpoint implements EndpointView {

    final String name;
    int weight = 1;
    boolean healthy = true;
    int open;
    int active;
    int available;
    long latency;
    /** Other instances' connections (fleet mode); {@link #fleetConnections()} adds {@link #open}. */
    int fleetOthers;

    TestEndpoint(String name) {
        this.name = name;
    }

    static List<TestEndpoint> named(String... names) {
        List<TestEndpoint> list = new ArrayList<>();
        for (String n : names) {
            list.add(new TestEndpoint(n));
        }
        return list;
    }

    @Override
    public URI uri() {
        return URI.create("ws://" + name + ".test:80/");
    }

    @Override
    public int weight() {
        return weight;
    }

    @Override
    public boolean healthy() {
        return healthy;
    }

    @Override
    public int openConnections() {
        return open;
    }

    @Override
    public int activeLeases() {
        return active;
    }

    @Override
    public int availableConnections() {
        return available;
    }

    @Override
    public int fleetConnections() {
        return open + fleetOthers;
    }

    @Override
    public long latencyNanos() {
        return latency;
    }

    @Override
    public String toString() {
        return name;
    }
}
