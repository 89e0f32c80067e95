package io.github.wspool.core.internal.connection;

/**
 * One endpoint's place in the fleet (fleet mode): what other instances of the application hold on its server, whether
 * enough of them saw it fail to pass it over, and the fleet-wide cap on its connections. Written by the fleet's
 * periodic exchange (never on an acquire's path), read by the endpoint's picks without locks. Without fleet mode it
 * stays at zero, not suspect, uncapped.
 */
public final class FleetShare {

    /** No fleet-wide cap. */
    public static final int UNCAPPED = Integer.MAX_VALUE;

    private final int quota;
    private volatile int others;
    private volatile boolean suspect;

    /**
     * @param quota connections to this server across the fleet at most ({@link #UNCAPPED} for none)
     */
    public FleetShare(int quota) {
        this.quota = quota;
    }

    /**
     * Connections other instances hold to this server, as of the fleet's last exchange.
     *
     * @return the count, at least 0
     */
    public int others() {
        return others;
    }

    /**
     * Sets what other instances hold.
     *
     * @param count at least 0
     */
    public void others(int count) {
        this.others = Math.max(0, count);
    }

    /**
     * Whether enough other instances saw this server fail recently to pass it over while another endpoint serves.
     *
     * @return {@code true} while they have
     */
    public boolean suspect() {
        return suspect;
    }

    /**
     * Sets whether the fleet suspects this server.
     *
     * @param suspected the fleet's verdict
     */
    public void suspect(boolean suspected) {
        this.suspect = suspected;
    }

    /**
     * Whether the fleet-wide cap leaves room for one more connection of this pool, which holds {@code own} now.
     *
     * @param own this pool's connections to the server (slots)
     * @return {@code true} if uncapped or under the cap
     */
    public boolean allows(int own) {
        return quota == UNCAPPED || (long) own + others < quota;
    }

    /**
     * The fleet-wide cap.
     *
     * @return the cap, or {@link #UNCAPPED}
     */
    public int quota() {
        return quota;
    }
}
