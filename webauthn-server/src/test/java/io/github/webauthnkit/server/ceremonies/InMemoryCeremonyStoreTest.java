package io.github.webauthnkit.server.ceremonies;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.webauthnkit.server.http.ClientAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The in-memory store's bound counts places of heap, not ceremonies: a state as large as a sign-in start for an
 * account of twenty passkeys with the longest ids takes twenty places, so a flood of them meets the bound at the heap a
 * flood of registrations would take, and so does one address's flood at its own limit. When full, the client holding
 * the most gives way, so a flood takes its own places and not a quiet user's.
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
    void aFullStoreTakesThePlacesOfTheClientHoldingTheMost() {
        InMemoryCeremonyStore store = new InMemoryCeremonyStore(1_000, 110);
        for (int i = 0; i < 5; i++) {
            store.put("large-" + i, "flooder", LARGE, TTL);
        }
        for (int i = 0; i < 10; i++) {
            store.put("small-" + i, "client-" + i, "{}", TTL);
        }
        assertThat(store.placesTaken()).isEqualTo(110);
        assertThat(store.evicted()).isZero();

        // Full: a new start takes the oldest ceremony of the client holding the most, twenty places of the flooder's.
        store.put("small-10", "client-10", "{}", TTL);
        assertThat(store.evicted()).isEqualTo(1);
        assertThat(store.placesTaken()).isEqualTo(91);
        assertThat(store.take("large-0")).as("given way").isEmpty();
        for (int i = 0; i <= 10; i++) {
            assertThat(store.take("small-" + i)).as("small-" + i).contains("{}");
        }
        assertThat(store.take("large-1")).contains(LARGE);
        assertThat(store.take("large-1")).as("taken once").isEmpty();
        assertThat(store.placesTaken()).isEqualTo(60);
    }

    @Test
    void ofClientsHoldingAsMuchTheEarliestGivesWay() {
        InMemoryCeremonyStore store = new InMemoryCeremonyStore(1_000, 3);
        store.put("a", "client-a", "{}", TTL);
        store.put("b", "client-b", "{}", TTL);
        store.put("c", "client-c", "{}", TTL);
        store.put("d", "client-d", "{}", TTL);
        assertThat(store.take("a")).isEmpty();
        assertThat(store.take("b")).isPresent();
        // client-c and client-d hold one each, client-b none: the next full start takes client-c's.
        store.put("b2", "client-b", "{}", TTL);
        store.put("e", "client-e", "{}", TTL);
        assertThat(store.take("c")).isEmpty();
        assertThat(store.take("d")).isPresent();
        assertThat(store.evicted()).isEqualTo(2);
    }

    @Test
    void aFloodFromManyClientsDoesNotTakeAQuietUsersCeremony() {
        InMemoryCeremonyStore store = new InMemoryCeremonyStore(1_000, 2_000);
        store.put("user", "user-address", "{\"user\": true}", TTL);
        for (int i = 0; i < 50_000; i++) {
            store.put("flood-" + i, "flooder-" + (i % 100), "{}", TTL);
        }
        assertThat(store.placesTaken()).isEqualTo(2_000);
        assertThat(store.evicted()).isEqualTo(50_001 - 2_000);
        assertThat(store.take("user")).contains("{\"user\": true}");
        // Each flooder kept about an equal share of the 1,999 places left (20), its newest ones.
        for (int flooder = 0; flooder < 100; flooder++) {
            int kept = 0;
            for (int newest = 49_900 + flooder; newest >= 0; newest -= 100) {
                if (store.take("flood-" + newest).isEmpty()) {
                    break;
                }
                kept++;
            }
            assertThat(kept).as("flooder " + flooder).isBetween(19, 21);
        }
        assertThat(store.placesTaken()).as("none older kept").isZero();
    }

    @Test
    void aNetworksClientsShareAFullStoresPlacesAsOne() {
        InMemoryCeremonyStore store = new InMemoryCeremonyStore(1_000, 4,
                client -> client.startsWith("net-a/") ? List.of("net-a") : List.of());
        store.put("user", "user-address", "{}", TTL);
        for (int i = 1; i <= 3; i++) {
            store.put("a-" + i, "net-a/" + i, "{}", TTL);
        }
        // Five clients of one place each: the network of three gives way, its earliest client first, not the user.
        store.put("a-4", "net-a/4", "{}", TTL);
        store.put("b-1", "net-b/1", "{}", TTL);
        assertThat(store.take("a-1")).isEmpty();
        assertThat(store.take("a-2")).isEmpty();
        assertThat(store.take("user")).isPresent();
        assertThat(store.evicted()).isEqualTo(2);

        // Each client a network of its own, the user would have been the first to give way.
        InMemoryCeremonyStore byClient = new InMemoryCeremonyStore(1_000, 4);
        byClient.put("user", "user-address", "{}", TTL);
        for (int i = 1; i <= 4; i++) {
            byClient.put("a-" + i, "net-a/" + i, "{}", TTL);
        }
        assertThat(byClient.take("user")).isEmpty();
    }

    @Test
    void anIpv6SlashThirtyTwosSlashFortyEightsShareAsOneNetwork() {
        InMemoryCeremonyStore store = new InMemoryCeremonyStore(1_000, 4, ClientAddress::networksOf);
        store.put("user", "2001:db8:0:1:0:0:0:0/64", "{}", TTL);
        // Three /48s of another /32, a /64 each, then a fourth: that /32 gives way, not the user's.
        for (int site = 1; site <= 4; site++) {
            store.put("flood-" + site, "2001:db9:" + site + ":1:0:0:0:0/64", "{}", TTL);
        }
        assertThat(store.take("flood-1")).isEmpty();
        assertThat(store.take("user")).isPresent();

        // By /48 alone, the user's (the earliest of equals) would have given way.
        InMemoryCeremonyStore bySite = new InMemoryCeremonyStore(1_000, 4,
                client -> List.of(ClientAddress.networksOf(client).get(1)));
        bySite.put("user", "2001:db8:0:1:0:0:0:0/64", "{}", TTL);
        for (int site = 1; site <= 4; site++) {
            bySite.put("flood-" + site, "2001:db9:" + site + ":1:0:0:0:0/64", "{}", TTL);
        }
        assertThat(bySite.take("user")).isEmpty();
    }

    @Test
    void theHeaviestNetworkGivesWayEvenWhenTheHeaviestClientIsElsewhere() {
        InMemoryCeremonyStore store = new InMemoryCeremonyStore(1_000, 7, client -> List.of(client.substring(0, 1)));
        for (int i = 0; i < 3; i++) {
            store.put("a-" + i, "a1", "{}", TTL);
        }
        for (int i = 1; i <= 4; i++) {
            store.put("b-" + i, "b" + i, "{}", TTL);
        }
        store.put("c", "c1", "{}", TTL);
        assertThat(store.take("b-1")).as("network b holds 4 of 7").isEmpty();
        assertThat(store.take("a-0")).as("client a1 holds 3, the most, in a network holding less").isPresent();
    }

    @Test
    void aClientAtItsLimitIsRefusedEvenWhenTheStoreIsFull() {
        InMemoryCeremonyStore store = new InMemoryCeremonyStore(2, 3);
        store.put("a-1", "client-a", "{}", TTL);
        store.put("a-2", "client-a", "{}", TTL);
        store.put("b-1", "client-b", "{}", TTL);
        assertThatThrownBy(() -> store.put("a-3", "client-a", "{}", TTL))
                .isInstanceOfSatisfying(PendingLimitException.class, e -> assertThat(e.retryAfter())
                        .isBetween(TTL.minusSeconds(5), TTL));
        assertThat(store.evicted()).as("a refusal takes no one's place").isZero();
        assertThat(store.placesTaken()).isEqualTo(3);
    }

    @Test
    void aRequestIdStoredAgainReplacesItsState() {
        InMemoryCeremonyStore store = new InMemoryCeremonyStore(1_000, 100);
        store.put("same", "client-a", LARGE, TTL);
        store.put("same", "client-b", "{}", TTL);
        assertThat(store.placesTaken()).isEqualTo(1);
        // client-a holds nothing now: the limit and the shares follow the replacement.
        assertThat(store.take("same")).contains("{}");
        assertThat(store.placesTaken()).isZero();
    }

    @Test
    void aStateLargerThanTheWholeBoundFitsWhenAlone() {
        InMemoryCeremonyStore store = new InMemoryCeremonyStore(1_000, 10);
        store.put("large", "client-a", LARGE, TTL);
        assertThat(store.placesTaken()).isEqualTo(20);
        store.put("small", "client-b", "{}", TTL);
        assertThat(store.take("large")).as("given way").isEmpty();
        assertThat(store.placesTaken()).isEqualTo(1);
        store.put("large", "client-a", LARGE, TTL);
        assertThat(store.take("small")).as("given way").isEmpty();
        assertThat(store.take("large")).contains(LARGE);
        assertThat(store.placesTaken()).isZero();
    }

    @Test
    void expiredStatesGiveTheirPlacesBack() throws Exception {
        InMemoryCeremonyStore store = new InMemoryCeremonyStore(1_000, 40);
        Duration shortTtl = Duration.ofMillis(500);
        store.put("a", "client-a", LARGE, shortTtl);
        store.put("b", "client-b", LARGE, shortTtl);
        assertThat(store.placesTaken()).isEqualTo(40);
        Thread.sleep(shortTtl.toMillis() + 100);
        assertThat(store.take("b")).as("expired").isEmpty();
        store.put("c", "client-c", LARGE, TTL);
        assertThat(store.evicted()).as("expired ones are dropped, not evicted").isZero();
        assertThat(store.placesTaken()).isEqualTo(20);
        assertThat(store.take("a")).isEmpty();
    }

    @Test
    void concurrentStartsAndCompletesKeepTheCount() throws Exception {
        InMemoryCeremonyStore store = new InMemoryCeremonyStore(1_000, 500);
        int threads = 4;
        int each = 20_000;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<Integer>> runs = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                runs.add(pool.submit(() -> {
                    int completed = 0;
                    for (int i = 0; i < each; i++) {
                        String id = thread + "-" + i;
                        store.put(id, "client-" + (i % 37), i % 10 == 0 ? LARGE : "{}", TTL);
                        if (i % 3 == 0 && store.take(id).isPresent()) {
                            completed++;
                        }
                    }
                    return completed;
                }));
            }
            for (Future<Integer> run : runs) {
                assertThat(run.get(1, TimeUnit.MINUTES)).isPositive();
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(store.placesTaken()).isBetween(1L, 500L);
        for (int t = 0; t < threads; t++) {
            for (int i = 0; i < each; i++) {
                store.take(t + "-" + i);
            }
        }
        assertThat(store.placesTaken()).as("every place given back").isZero();
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
        assertThat(store.placesTaken()).as("refused starts take no place").isEqualTo(110);
        store.put("large-0-elsewhere", "someone-else", LARGE, TTL);
        assertThat(store.take("large-0")).isPresent();
        store.put("large-5", "flooder", LARGE, TTL);

        // One ceremony always fits, whatever its size: a large sign-in is not refused by a small limit.
        InMemoryCeremonyStore strict = new InMemoryCeremonyStore(10, InMemoryCeremonyStore.MAX_PENDING);
        strict.put("one", "client", LARGE, TTL);
        assertThatThrownBy(() -> strict.put("two", "client", "{}", TTL)).isInstanceOf(PendingLimitException.class);
    }
}
