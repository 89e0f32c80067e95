package io.github.wspool.strategy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.github.wspool.EndpointView;
import io.github.wspool.LoadBalancingStrategy;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FleetLeastConnectionsStrategyTest {

    @Test
    void picksTheServerWithTheFewestFleetConnectionsPerWeightNotTheFewestOfItsOwn() {
        List<TestEndpoint> e = TestEndpoint.named("a", "b", "c");
        e.get(0).open = 0; // this instance has none on a ...
        e.get(0).fleetOthers = 9; // ... but the fleet has nine there
        e.get(1).open = 3;
        e.get(1).active = 3;
        e.get(2).open = 2;
        e.get(2).active = 2;
        e.get(2).fleetOthers = 2;
        LoadBalancingStrategy s = Strategies.fleetLeastConnections();
        assertSame(e.get(1), s.select(e), "b: 3 fleet-wide against 9 and 4");
        assertSame(e.get(1), s.place(e), "new connections follow the fleet's counts too");
        assertSame(e.get(0), Strategies.leastConnections().select(e), "the local strategy sees only its own leases: none on a");
        e.get(1).weight = 1;
        e.get(2).weight = 2; // 4 per weight 2 = 2 per unit: the least now
        assertSame(e.get(2), s.select(e));
    }

    @Test
    void equalServersFillEvenlyByRotation() {
        List<TestEndpoint> e = TestEndpoint.named("a", "b", "c");
        LoadBalancingStrategy s = Strategies.fleetLeastConnections();
        Map<EndpointView, Integer> picks = new HashMap<>();
        for (int i = 0; i < 30; i++) {
            picks.merge(s.select(e), 1, Integer::sum);
        }
        assertEquals(Map.of(e.get(0), 10, e.get(1), 10, e.get(2), 10), picks);
    }

    @Test
    void theLocalStrategiesLeavePlacementToThePool() {
        List<TestEndpoint> e = TestEndpoint.named("a", "b");
        assertNull(Strategies.roundRobin().place(e));
        assertNull(Strategies.leastConnections().place(e));
        assertNull(Strategies.weighted().place(e));
        assertNull(Strategies.powerOfTwoChoices().place(e));
        assertNull(Strategies.latencyAware().place(e));
        LoadBalancingStrategy primary = candidates -> candidates.get(0);
        assertSame(e.get(0), primary.place(e), "a custom strategy places where it selects, by default");
    }
}
