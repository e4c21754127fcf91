package io.github.webauthnkit.server.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** What the server relies on from any credential store; run against the embedded database and PostgreSQL. */
abstract class CredentialStoreContract {
    private static final Instant NOW = Instant.now().truncatedTo(ChronoUnit.MILLIS);
    private static final int MAX = 20;

    protected abstract CredentialStore store();

    static UserAccount user(String username) {
        return new UserAccount("u-" + UUID.randomUUID(), username, "Display " + username, NOW);
    }

    static StoredCredential credential(String userId, long counter) {
        return new StoredCredential("c-" + UUID.randomUUID(), userId, "cose-key", counter, true, false, "internal,hybrid",
                "Passkey 1", NOW, null);
    }

    private static String unique(String name) {
        return name + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    @Test
    void aUserAndItsFirstPasskeyAreStoredTogether() {
        UserAccount alice = user(unique("alice"));
        StoredCredential passkey = credential(alice.id(), 0);

        assertThat(store().createUser(alice, passkey)).isTrue();

        assertThat(store().findUserByUsername(alice.username())).contains(alice);
        assertThat(store().findUserById(alice.id())).contains(alice);
        assertThat(store().findCredential(passkey.id())).contains(passkey);
        assertThat(store().credentialsOf(alice.id())).containsExactly(passkey);
    }

    /** Both ways round: an account with its passkeys (a sign-in's start), a passkey with its account (its end). */
    @Test
    void anAccountIsReadWithItsPasskeysOldestFirstAndAPasskeyWithItsOwnAccount() {
        UserAccount ivan = user(unique("ivan"));
        StoredCredential first = credential(ivan.id(), 3);
        StoredCredential second = new StoredCredential("c-" + UUID.randomUUID(), ivan.id(), "cose-key-2", 0, false,
                false, "", "Passkey 2", NOW.plusSeconds(1), NOW.plusSeconds(5));
        store().createUser(ivan, first);
        store().addCredential(second, MAX);
        UserAccount judy = user(unique("judy"));
        StoredCredential judys = credential(judy.id(), 0);
        store().createUser(judy, judys);

        assertThat(store().findAccountWithPasskeys(ivan.username()))
                .contains(new CredentialStore.AccountPasskeys(ivan, List.of(first, second)));
        assertThat(store().findAccountWithPasskeys(unique("nobody"))).isEmpty();

        assertThat(store().findPasskeyWithAccount(second.id()))
                .contains(new CredentialStore.PasskeyAccount(second, ivan));
        assertThat(store().findPasskeyWithAccount(judys.id()))
                .contains(new CredentialStore.PasskeyAccount(judys, judy));
        assertThat(store().findPasskeyWithAccount("c-" + UUID.randomUUID())).isEmpty();
    }

    @Test
    void aTakenUsernameIsRefusedAndNothingIsLeftBehind() {
        String name = unique("bob");
        UserAccount first = user(name);
        assertThat(store().createUser(first, credential(first.id(), 0))).isTrue();
        UserAccount second = user(name);
        StoredCredential orphan = credential(second.id(), 0);

        assertThat(store().createUser(second, orphan)).isFalse();

        assertThat(store().findUserById(second.id())).isEmpty();
        assertThat(store().findCredential(orphan.id())).isEmpty();
    }

    @Test
    void aCredentialIdIsRegisteredOnce() {
        UserAccount carol = user(unique("carol"));
        StoredCredential passkey = credential(carol.id(), 0);
        store().createUser(carol, passkey);
        UserAccount dave = user(unique("dave"));

        assertThat(store().createUser(dave, passkey)).isFalse();
        assertThat(store().findUserById(dave.id())).isEmpty();
        assertThat(store().addCredential(passkey, MAX)).isEqualTo(CredentialStore.AddResult.ALREADY_REGISTERED);
        assertThat(store().credentialsOf(carol.id())).hasSize(1);
    }

    @Test
    void theCounterOnlyMovesForwardOnce() {
        UserAccount erin = user(unique("erin"));
        StoredCredential passkey = credential(erin.id(), 5);
        store().createUser(erin, passkey);

        assertThat(store().recordUse(passkey.id(), 5, 6, true, NOW)).isTrue();
        assertThat(store().recordUse(passkey.id(), 5, 7, true, NOW)).as("a stale previous count").isFalse();
        StoredCredential used = store().findCredential(passkey.id()).orElseThrow();
        assertThat(used.signatureCount()).isEqualTo(6);
        assertThat(used.backedUp()).isTrue();
        assertThat(used.lastUsedAt()).isEqualTo(NOW);
    }

    @Test
    void renameAndDeleteOnlyTouchTheOwnersPasskeysAndNeverTheLastOne() {
        UserAccount frank = user(unique("frank"));
        StoredCredential first = credential(frank.id(), 0);
        store().createUser(frank, first);
        StoredCredential second = credential(frank.id(), 0);
        assertThat(store().addCredential(second, MAX)).isEqualTo(CredentialStore.AddResult.ADDED);
        UserAccount grace = user(unique("grace"));
        store().createUser(grace, credential(grace.id(), 0));

        assertThat(store().rename(grace.id(), first.id(), "stolen")).isFalse();
        assertThat(store().rename(frank.id(), first.id(), "Laptop")).isTrue();
        assertThat(store().findCredential(first.id()).orElseThrow().name()).isEqualTo("Laptop");

        assertThat(store().delete(grace.id(), first.id())).isEqualTo(CredentialStore.DeleteResult.NOT_FOUND);
        assertThat(store().delete(frank.id(), first.id())).isEqualTo(CredentialStore.DeleteResult.DELETED);
        assertThat(store().delete(frank.id(), second.id())).isEqualTo(CredentialStore.DeleteResult.LAST_CREDENTIAL);
        assertThat(store().credentialsOf(frank.id())).containsExactly(second);
    }

    @Test
    void concurrentDeletionsNeverRemoveTheLastPasskey() throws Exception {
        UserAccount heidi = user(unique("heidi"));
        StoredCredential a = credential(heidi.id(), 0);
        store().createUser(heidi, a);
        StoredCredential b = credential(heidi.id(), 0);
        store().addCredential(b, MAX);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            List<Callable<CredentialStore.DeleteResult>> both = List.of(() -> store().delete(heidi.id(), a.id()),
                    () -> store().delete(heidi.id(), b.id()));
            List<CredentialStore.DeleteResult> results = new ArrayList<>();
            for (Future<CredentialStore.DeleteResult> f : pool.invokeAll(both)) {
                results.add(f.get());
            }
            assertThat(results).containsExactlyInAnyOrder(CredentialStore.DeleteResult.DELETED,
                    CredentialStore.DeleteResult.LAST_CREDENTIAL);
            assertThat(store().credentialsOf(heidi.id())).hasSize(1);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void anAccountTakesNoPasskeyPastItsLimit() {
        UserAccount ken = user(unique("ken"));
        store().createUser(ken, credential(ken.id(), 0));
        assertThat(store().addCredential(credential(ken.id(), 0), 3)).isEqualTo(CredentialStore.AddResult.ADDED);
        assertThat(store().addCredential(credential(ken.id(), 0), 3)).isEqualTo(CredentialStore.AddResult.ADDED);
        StoredCredential fourth = credential(ken.id(), 0);
        assertThat(store().addCredential(fourth, 3)).isEqualTo(CredentialStore.AddResult.ACCOUNT_FULL);
        assertThat(store().findCredential(fourth.id())).isEmpty();
        assertThat(store().credentialsOf(ken.id())).hasSize(3);
    }

    @Test
    void concurrentAdditionsNeverPassTheLimit() throws Exception {
        assertThat(roundsOverTheLimit(store(), 50)).as("rounds that ended over the limit").isZero();
    }

    @Test
    void aPasskeyForAnAccountThatIsGoneIsRefused() {
        StoredCredential orphan = credential("u-" + UUID.randomUUID(), 0);
        assertThat(store().addCredential(orphan, MAX)).isEqualTo(CredentialStore.AddResult.NO_ACCOUNT);
        assertThat(store().findCredential(orphan.id())).isEmpty();
    }

    /**
     * Rounds of 8 adds released at once (a barrier) to a new account with one passkey and a limit of 2: in each, one
     * add may succeed. Without a lock, a round ends over the limit about one time in ten.
     *
     * @return how many rounds ended with more passkeys than the limit
     */
    static int roundsOverTheLimit(CredentialStore store, int rounds) throws Exception {
        int adders = 8;
        int over = 0;
        ExecutorService pool = Executors.newFixedThreadPool(adders);
        try {
            for (int round = 0; round < rounds; round++) {
                UserAccount lena = user(unique("lena"));
                store.createUser(lena, credential(lena.id(), 0));
                CyclicBarrier together = new CyclicBarrier(adders);
                List<Callable<CredentialStore.AddResult>> all = new ArrayList<>();
                for (int i = 0; i < adders; i++) {
                    all.add(() -> {
                        together.await();
                        return store.addCredential(credential(lena.id(), 0), 2);
                    });
                }
                List<CredentialStore.AddResult> results = new ArrayList<>();
                for (Future<CredentialStore.AddResult> f : pool.invokeAll(all)) {
                    results.add(f.get());
                }
                assertThat(results).isSubsetOf(CredentialStore.AddResult.ADDED, CredentialStore.AddResult.ACCOUNT_FULL);
                if (store.credentialsOf(lena.id()).size() > 2) {
                    over++;
                }
            }
        } finally {
            pool.shutdownNow();
        }
        return over;
    }

    @Test
    void answersThePing() {
        store().ping();
    }

    @Test
    void anInstallationSecretIsMadeOnceAndKept() {
        byte[] first = store().installationSecret("contract-secret");
        assertThat(first).hasSize(32);
        assertThat(store().installationSecret("contract-secret")).isEqualTo(first);
        assertThat(store().installationSecret("another-secret")).hasSize(32).isNotEqualTo(first);
    }
}
