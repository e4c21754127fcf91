package io.github.webauthnkit.server.ceremonies;

import io.github.webauthnkit.server.storage.CredentialStore;
import io.github.webauthnkit.server.storage.StoredCredential;
import io.github.webauthnkit.server.storage.UserAccount;
import com.yubico.webauthn.CredentialRepository;
import com.yubico.webauthn.RegisteredCredential;
import com.yubico.webauthn.data.AuthenticatorTransport;
import com.yubico.webauthn.data.ByteArray;
import com.yubico.webauthn.data.PublicKeyCredentialDescriptor;
import com.yubico.webauthn.data.exception.Base64UrlException;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The credential store seen through the interface Yubico's relying party asks its questions with, for one ceremony
 * step. A step asks some questions twice (the library and the ceremony both look up the passkey and its account), so
 * each answer is read from the store once per step; a new step makes a new repository and reads afresh. Not for use
 * by more than one thread.
 */
final class StoreCredentialRepository implements CredentialRepository {
    private final CredentialStore store;
    private final Map<String, Optional<UserAccount>> usersByName = new HashMap<>();
    private final Map<String, Optional<UserAccount>> usersById = new HashMap<>();
    private final Map<String, Optional<StoredCredential>> credentials = new HashMap<>();

    StoreCredentialRepository(CredentialStore store) {
        this.store = store;
    }

    Optional<UserAccount> userByName(String username) {
        Optional<UserAccount> user = usersByName.computeIfAbsent(username, store::findUserByUsername);
        user.ifPresent(this::remember);
        return user;
    }

    Optional<UserAccount> userById(String userId) {
        return usersById.computeIfAbsent(userId, store::findUserById);
    }

    /** The passkey, read with its account in one round trip: the library then asks for the account by name or id. */
    Optional<StoredCredential> credential(String credentialId) {
        return credentials.computeIfAbsent(credentialId, id -> {
            Optional<CredentialStore.PasskeyAccount> found = store.findPasskeyWithAccount(id);
            found.ifPresent(f -> remember(f.user()));
            return found.map(CredentialStore.PasskeyAccount::passkey);
        });
    }

    /** An account read in this step answers the step's later questions for its own id and username. */
    private void remember(UserAccount user) {
        usersById.putIfAbsent(user.id(), Optional.of(user));
        usersByName.putIfAbsent(user.username(), Optional.of(user));
    }

    /**
     * The account and its passkeys in one read, which also answers the library's question for the username's user
     * handle; an unknown username takes the same one round trip.
     */
    @Override
    public Set<PublicKeyCredentialDescriptor> getCredentialIdsForUsername(String username) {
        Optional<CredentialStore.AccountPasskeys> account = store.findAccountWithPasskeys(username);
        Optional<UserAccount> user = account.map(CredentialStore.AccountPasskeys::user);
        usersByName.putIfAbsent(username, user);
        user.ifPresent(this::remember);
        return account.map(CredentialStore.AccountPasskeys::passkeys).orElse(List.of()).stream()
                .map(StoreCredentialRepository::descriptor).collect(Collectors.toSet());
    }

    @Override
    public Optional<ByteArray> getUserHandleForUsername(String username) {
        return userByName(username).map(user -> bytes(user.id()));
    }

    @Override
    public Optional<String> getUsernameForUserHandle(ByteArray userHandle) {
        return userById(userHandle.getBase64Url()).map(user -> user.username());
    }

    @Override
    public Optional<RegisteredCredential> lookup(ByteArray credentialId, ByteArray userHandle) {
        return credential(credentialId.getBase64Url())
                .filter(c -> c.userId().equals(userHandle.getBase64Url()))
                .map(StoreCredentialRepository::registered);
    }

    @Override
    public Set<RegisteredCredential> lookupAll(ByteArray credentialId) {
        return credential(credentialId.getBase64Url()).map(StoreCredentialRepository::registered)
                .map(Set::of).orElse(Set.of());
    }

    static RegisteredCredential registered(StoredCredential c) {
        return RegisteredCredential.builder()
                .credentialId(bytes(c.id()))
                .userHandle(bytes(c.userId()))
                .publicKeyCose(bytes(c.publicKeyCose()))
                .signatureCount(c.signatureCount())
                .backupEligible(c.backupEligible())
                .backupState(c.backedUp())
                .build();
    }

    private static PublicKeyCredentialDescriptor descriptor(StoredCredential c) {
        Set<AuthenticatorTransport> transports = Arrays.stream(c.transports().split(","))
                .filter(t -> !t.isBlank()).map(AuthenticatorTransport::of).collect(Collectors.toSet());
        return PublicKeyCredentialDescriptor.builder().id(bytes(c.id())).transports(transports).build();
    }

    static ByteArray bytes(String base64Url) {
        try {
            return ByteArray.fromBase64Url(base64Url);
        } catch (Base64UrlException e) {
            throw new IllegalStateException("Stored value is not base64url", e);
        }
    }
}
