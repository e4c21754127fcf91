package io.github.webauthnkit.server.ceremonies;

import io.github.webauthnkit.server.IntervalGate;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a full ceremony store tells operators, in memory and in Redis alike: how many pending ceremonies gave way to
 * new ones ({@code webauthn_ceremonies_evicted_total}), and a warning at most once a minute while it goes on.
 */
final class Evictions {
    private static final Logger LOG = LoggerFactory.getLogger(CeremonyStore.class);
    private static final Duration LOG_INTERVAL = Duration.ofMinutes(1);

    private final AtomicLong total = new AtomicLong();
    private final IntervalGate log = new IntervalGate(LOG_INTERVAL);

    /** Counts the ceremonies a start into a store of {@code maxPending} places made give way. */
    void record(long gaveWay, int maxPending) {
        if (gaveWay <= 0) {
            return;
        }
        long sum = total.addAndGet(gaveWay);
        if (log.open(System.nanoTime())) {
            LOG.atWarn().addKeyValue("event", "ceremony_store_full").addKeyValue("max_pending", maxPending)
                    .addKeyValue("evicted_total", sum)
                    .log("The ceremony store is full: unfinished ceremonies of the clients holding the most give way"
                            + " to new ones (" + sum + " so far); starts from many addresses, or"
                            + " WEBAUTHN_PENDING_LIMIT too small for this server's load");
        }
    }

    long total() {
        return total.get();
    }
}
