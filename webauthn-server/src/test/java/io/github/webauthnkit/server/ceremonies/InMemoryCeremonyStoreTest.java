package io.github.webauthnkit.server.ceremonies;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The in-memory store's bound counts places of heap, not ceremonies: a state as large as a sign-in start for an
 * account of twenty passkeys with the longest ids takes twenty places, so a flood of them meets the bound at the heap a
 * flood of registrations would take, and so does one address's flood at its own limit.
 */
class InMemoryCeremonyStoreTest {
    private static final Duration TTL = Duration.ofMinutes(5);
    /** About what a sign-in start holds for twenty passkeys with ids of 1023 bytes (1364 characters in base64url). */
    private static final String LARGE = "x".repeat(29_000);

    @Test
    void aStateTakesThePlacesItsHeapNeeds() {
        assertThat(InMemoryCeremonyStore.places("{}")).isEqualTo(1);
        assertThat(InMemoryCeremonyStore.places("x".repeat(1_024))).isEqualTo(1);
        assertThat(InMemoryCeremonyStore.places("x".repeat(1_025))).isEqualTo(2);
        assertThat(InMemoryCeremonyStore.places(LARGE)).isEqualTo(20);
        // A character past Latin-1 makes the string two bytes a character.
        assertThat(InMemoryCeremonyStore.places("\u4e2d".repeat(512))).isEqualTo(1);
        assertThat(InMemoryCeremonyStore.places("\u4e2d".repeat(513))).isEqualTo(2);
        assertThat(InMemoryCeremonyStore.places(LARGE + "\u4e2d")).isEqualTo(39);
    }

    @Test
    void largeStatesMeetTheBoundSooner() {
        InMemoryCeremonyStore store = new InMemoryCeremonyStore(1_000, 110);
        for (int i = 0; i < 5; i++) {
            store.put("large-" + i, "client-" + i, LARGE, TTL);
        }
        assertThat(store.placesTaken()).isEqualTo(100);
        assertThatThrownBy(() -> store.put("large-5", "client-5", LARGE, TTL))
                .isInstanceOfSatisfying(CeremonyException.class,
                        e -> assertThat(e.reason()).isEqualTo(CeremonyException.Reason.TOO_MANY_PENDING));
        // Small ones still fit in what is left, one place each.
        for (int i = 0; i < 10; i++) {
            store.put("small-" + i, "client-a", "{}", TTL);
        }
        assertThatThrownBy(() -> store.put("small-10", "client-a", "{}", TTL)).isInstanceOf(CeremonyException.class);
        assertThat(store.placesTaken()).as("refused starts give their reservation back").isEqualTo(110);

        // A completed ceremony gives its places back.
        assertThat(store.take("large-0")).contains(LARGE);
        assertThat(store.placesTaken()).isEqualTo(90);
        store.put("large-5", "client-5", LARGE, TTL);
        assertThat(store.take("large-5")).isPresent();
        assertThat(store.take("large-5")).as("taken once").isEmpty();
        assertThat(store.placesTaken()).isEqualTo(90);
    }

    @Test
    void aStateLargerThanTheWholeBoundFitsWhenNothingElseIsPending() {
        InMemoryCeremonyStore store = new InMemoryCeremonyStore(1_000, 10);
        store.put("large", "client-a", LARGE, TTL);
        assertThatThrownBy(() -> store.put("small", "client-b", "{}", TTL)).isInstanceOf(CeremonyException.class);
        assertThat(store.take("large")).isPresent();
        store.put("small", "client-b", "{}", TTL);
        assertThatThrownBy(() -> store.put("large", "client-a", LARGE, TTL)).isInstanceOf(CeremonyException.class);
    }

    @Test
    void expiredStatesGiveTheirPlacesBack() throws Exception {
        InMemoryCeremonyStore store = new InMemoryCeremonyStore(1_000, 40);
        Duration shortTtl = Duration.ofSeconds(1);
        store.put("a", "client-a", LARGE, shortTtl);
        store.put("b", "client-b", LARGE, shortTtl);
        assertThat(store.placesTaken()).isEqualTo(40);
        assertThatThrownBy(() -> store.put("c", "client-c", LARGE, TTL)).isInstanceOf(CeremonyException.class);
        // Past the expiry (and so past the full store's sweep interval): this put sweeps, and both are gone.
        Thread.sleep(shortTtl.toMillis() + InMemoryCeremonyStore.FULL_SWEEP_INTERVAL.toMillis());
        store.put("c", "client-c", LARGE, TTL);
        assertThat(store.placesTaken()).isEqualTo(20);
        assertThat(store.take("a")).isEmpty();
    }

    @Test
    void aFullStoreRefusesWithoutScanningOnEveryStart() {
        InMemoryCeremonyStore store = new InMemoryCeremonyStore(1_000, 2_000);
        for (int i = 0; i < 2_000; i++) {
            store.put("held-" + i, "client-" + (i % 100), "{}", TTL);
        }
        long began = System.nanoTime();
        int refused = 0;
        for (int i = 0; i < 5_000; i++) {
            try {
                store.put("flood-" + i, "flooder", "{}", TTL);
            } catch (CeremonyException e) {
                refused++;
            }
        }
        long intervals = (System.nanoTime() - began) / InMemoryCeremonyStore.FULL_SWEEP_INTERVAL.toNanos();
        assertThat(refused).isEqualTo(5_000);
        // One sweep when it found the store full, then one an interval at most; not one for each of 5,000 starts.
        assertThat(store.fullSweeps()).isBetween(1L, 1 + intervals);
    }

    @Test
    void aClientsLimitCountsPlacesToo() {
        InMemoryCeremonyStore store = new InMemoryCeremonyStore(110, InMemoryCeremonyStore.MAX_PENDING);
        for (int i = 0; i < 5; i++) {
            store.put("large-" + i, "flooder", LARGE, TTL);
        }
        // 100 of its 110 places: a sixth large one does not fit, ten small ones do.
        assertThatThrownBy(() -> store.put("large-5", "flooder", LARGE, TTL)).isInstanceOf(PendingLimitException.class);
        for (int i = 0; i < 10; i++) {
            store.put("small-" + i, "flooder", "{}", TTL);
        }
        assertThatThrownBy(() -> store.put("small-10", "flooder", "{}", TTL)).isInstanceOf(PendingLimitException.class);
        assertThat(store.placesTaken()).as("refused starts give their reservation back").isEqualTo(110);
        store.put("large-0-elsewhere", "someone-else", LARGE, TTL);
        assertThat(store.take("large-0")).isPresent();
        store.put("large-5", "flooder", LARGE, TTL);

        // One ceremony always fits, whatever its size: a large sign-in is not refused by a small limit.
        InMemoryCeremonyStore strict = new InMemoryCeremonyStore(10, InMemoryCeremonyStore.MAX_PENDING);
        strict.put("one", "client", LARGE, TTL);
        assertThatThrownBy(() -> strict.put("two", "client", "{}", TTL)).isInstanceOf(PendingLimitException.class);
    }
}
