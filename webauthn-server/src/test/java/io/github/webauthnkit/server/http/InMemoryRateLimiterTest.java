package io.github.webauthnkit.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.webauthnkit.server.config.ServerConfig;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The in-memory limits keep at most their bound of addresses that have something to remember. */
class InMemoryRateLimiterTest {
    private static final ServerConfig.Rate ONE_A_SECOND = new ServerConfig.Rate(1, Duration.ofSeconds(1));

    @Test
    void pastItsBoundItForgetsTheAddressesWithNothingToRemember() throws InterruptedException {
        InMemoryRateLimiter limiter = new InMemoryRateLimiter(InMemoryRateLimiter.MIN_KEYS);
        int addresses = 3 * InMemoryRateLimiter.MIN_KEYS;
        for (int i = 0; i < addresses; i++) {
            assertThat(limiter.take("start:10.0." + (i >> 8) + "." + (i & 255), ONE_A_SECOND)).isEmpty();
        }
        // Each bucket holds what it held before once its second has passed: nothing to remember. The sweep past the
        // bound runs at most once an interval: this call comes after one.
        Thread.sleep(InMemoryRateLimiter.SWEEP_INTERVAL.toMillis() + 200);
        assertThat(limiter.take("start:192.0.2.1", ONE_A_SECOND)).isEmpty();
        // Three times the bound came by; the sweep dropped the full buckets.
        assertThat(limiter.keys()).as("addresses kept").isLessThanOrEqualTo(InMemoryRateLimiter.MIN_KEYS + 1);
        // An address that used its bucket up is still refused: what matters is kept.
        assertThat(limiter.take("start:192.0.2.1", ONE_A_SECOND)).isPresent();
    }

    @Test
    void theBoundFollowsTheHeap() {
        assertThat(InMemoryRateLimiter.boundFor(64L << 20)).isEqualTo((64 << 20) / 8 / 512);
        assertThat(InMemoryRateLimiter.boundFor(1L << 20)).isEqualTo(InMemoryRateLimiter.MIN_KEYS);
        assertThat(InMemoryRateLimiter.boundFor(64L << 30)).isEqualTo(InMemoryRateLimiter.MAX_KEYS);
    }

    @Test
    void pastItsBoundItSweepsAtMostOnceASecond() {
        InMemoryRateLimiter limiter = new InMemoryRateLimiter(InMemoryRateLimiter.MIN_KEYS);
        ServerConfig.Rate oneAMinute = new ServerConfig.Rate(1, Duration.ofMinutes(1));
        long began = System.nanoTime();
        // Addresses whose buckets stay empty for a minute: each must be remembered, so the map stays past its bound.
        int addresses = 4 * InMemoryRateLimiter.MIN_KEYS;
        for (int i = 0; i < addresses; i++) {
            String address = "10." + (i >> 16) + "." + ((i >> 8) & 255) + "." + (i & 255);
            limiter.take("start:" + address, oneAMinute);
            limiter.recordFailure("failure:" + address, Duration.ofMinutes(1));
        }
        long seconds = (System.nanoTime() - began) / 1_000_000_000L;
        assertThat(limiter.keys()).isEqualTo(2 * addresses);
        // 3 * MIN_KEYS calls past the bound on each map; at most one sweep a second of each.
        assertThat(limiter.sweeps()).isBetween(2L, 2 * (1 + seconds));
    }
}
