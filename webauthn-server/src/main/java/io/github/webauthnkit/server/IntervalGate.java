package io.github.webauthnkit.server;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Lets something run at most once an interval: the sweep of a bounded in-memory map past its bound (without a gate, a
 * flood that keeps it full would make every request scan all of it), or a log line about a flood.
 */
public final class IntervalGate {
    private final long intervalNanos;
    private final AtomicLong nextNanos;
    private final AtomicLong opened = new AtomicLong();

    public IntervalGate(Duration interval) {
        this.intervalNanos = interval.toNanos();
        this.nextNanos = new AtomicLong(System.nanoTime());
    }

    /** True for one caller when the interval since the last opening has passed (and the first time); that caller acts. */
    public boolean open(long nowNanos) {
        long next = nextNanos.get();
        if (nowNanos - next < 0 || !nextNanos.compareAndSet(next, nowNanos + intervalNanos)) {
            return false;
        }
        opened.incrementAndGet();
        return true;
    }

    /** How many times it opened. */
    public long opened() {
        return opened.get();
    }
}
