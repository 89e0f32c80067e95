package io.github.wspool.benchmarks;

import io.github.wspool.EndpointView;
import java.net.URI;

/** A fixed endpoint view for measuring strategies alone: plain fields, no pool behind it. */
final class BenchEndpoint implements EndpointView {

    private final URI uri;
    private final int weight;
    private final int activeLeases;
    private final long latencyNanos;

    BenchEndpoint(int index, int weight, int activeLeases, long latencyNanos) {
        this.uri = URI.create("ws://endpoint-" + index + ".bench:80/");
        this.weight = weight;
        this.activeLeases = activeLeases;
        this.latencyNanos = latencyNanos;
    }

    @Override
    public URI uri() {
        return uri;
    }

    @Override
    public int weight() {
        return weight;
    }

    @Override
    public boolean healthy() {
        return true;
    }

    @Override
    public int openConnections() {
        return activeLeases + 1;
    }

    @Override
    public int activeLeases() {
        return activeLeases;
    }

    @Override
    public int availableConnections() {
        return 1;
    }

    @Override
    public long latencyNanos() {
        return latencyNanos;
    }
}
