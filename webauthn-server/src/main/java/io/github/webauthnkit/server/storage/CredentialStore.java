package io.github.webauthnkit.server.storage;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** Users and their passkeys. Every method either completes or changes nothing. */
public interface CredentialStore extends AutoCloseable {

    Optional<UserAccount> findUserByUsername(String username);

    Optional<UserAccount> findUserById(String userId);

    Optional<StoredCredential> findCredential(String credentialId);

    List<StoredCredential> credentialsOf(String userId);

    /** An account and its passkeys, oldest first. */
    record AccountPasskeys(UserAccount user, List<StoredCredential> passkeys) {
    }

    /**
     * The account of a username with its passkeys, in one read (a sign-in's start needs both): the same round trips
     * whether the username exists or not.
     */
    Optional<AccountPasskeys> findAccountWithPasskeys(String username);

    /** A passkey and the account it belongs to. */
    record PasskeyAccount(StoredCredential passkey, UserAccount user) {
    }

    /**
     * A passkey with its account (a sign-in's completion needs both): one read where the store can join them, as the
     * server's own store does; by default the two reads.
     */
    default Optional<PasskeyAccount> findPasskeyWithAccount(String credentialId) {
        return findCredential(credentialId).flatMap(passkey -> findUserById(passkey.userId())
                .map(user -> new PasskeyAccount(passkey, user)));
    }

    /**
     * Creates a user with its first passkey in one transaction.
     *
     * @return false when the username was taken meanwhile (nothing was written)
     */
    boolean createUser(UserAccount user, StoredCredential credential);

    /** Outcome of adding a passkey to an existing account. */
    enum AddResult { ADDED, ALREADY_REGISTERED, ACCOUNT_FULL, NO_ACCOUNT }

    /**
     * Adds a passkey to its account unless the id is already registered, the account already holds
     * {@code maxPerAccount} passkeys or no longer exists, atomically: of two adds at once, only one takes the
     * account's last place.
     * Nothing is written unless the result is {@link AddResult#ADDED}.
     */
    AddResult addCredential(StoredCredential credential, int maxPerAccount);

    /**
     * Records a successful assertion.
     *
     * @return false when a concurrent assertion already moved the counter to or past {@code signatureCount}
     */
    boolean recordUse(String credentialId, long previousCount, long signatureCount, boolean backedUp, Instant usedAt);

    /** @return false when the user has no such credential */
    boolean rename(String userId, String credentialId, String name);

    /** Outcome of a deletion. */
    enum DeleteResult { DELETED, NOT_FOUND, LAST_CREDENTIAL }

    /** Deletes a passkey unless it is the user's last one, atomically. */
    DeleteResult delete(String userId, String credentialId);

    /**
     * A random secret of this installation (32 bytes from a CSPRNG), made the first time it is asked for by name and
     * the same ever after, on every replica that shares the store.
     */
    byte[] installationSecret(String name);

    /** Throws {@link StoreUnavailableException} when the store does not answer. */
    void ping();

    @Override
    void close();
}
