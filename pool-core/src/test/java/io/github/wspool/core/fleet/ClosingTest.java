package io.github.wspool.core.fleet;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;

/** What the fleet tests open (Redis, servers, fleets, pools) is closed after each test, last opened first. */
abstract class ClosingTest {

    private final List<AutoCloseable> toClose = new ArrayList<>();

    /** Closes {@code c} after the test; returns it. */
    <T extends AutoCloseable> T closing(T c) {
        toClose.add(c);
        return c;
    }

    @AfterEach
    void closeAll() throws Exception {
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
        toClose.clear();
    }
}
