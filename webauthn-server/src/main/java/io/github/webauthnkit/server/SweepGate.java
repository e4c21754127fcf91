package io.github.webauthnkit.server;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Lets the sweep of a bounded in-memory map run at most once an interval. Past its bound, a map is swept to make room;
 * without a gate, a flood that keeps it full would make every request scan all of it.
 */
public final class SweepGate {
    private final long intervalNanos;
    private final AtomicLong nextNanos;
    private final AtomicLong opened = new AtomicLong();

    public SweepGate(Duration interval) {
        this.intervalNanos = interval.toNanos();
        this.nextNanos = new AtomicLong(System.nanoTime());
    }

    /** True for one caller when the interval since the last sweep has passed; that caller sweeps. */
    public boolean open(long nowNanos) {
        long next = nextNanos.get();
        if (nowNanos - next < 0 || !nextNanos.compareAndSet(next, nowNanos + intervalNanos)) {
            return false;
        }
        opened.incrementAndGet();
        return true;
    }

    /** How many sweeps it let through. */
    public long opened() {
        return opened.get();
    }
}
