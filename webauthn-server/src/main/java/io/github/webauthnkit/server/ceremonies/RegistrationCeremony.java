package io.github.webauthnkit.server.ceremonies;

import io.github.webauthnkit.server.config.ServerConfig;
import io.github.webauthnkit.server.storage.CredentialStore;
import io.github.webauthnkit.server.storage.StoredCredential;
import io.github.webauthnkit.server.storage.UserAccount;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.yubico.webauthn.FinishRegistrationOptions;
import com.yubico.webauthn.RegistrationResult;
import com.yubico.webauthn.StartRegistrationOptions;
import com.yubico.webauthn.data.AuthenticatorAttestationResponse;
import com.yubico.webauthn.data.AuthenticatorSelectionCriteria;
import com.yubico.webauthn.data.AuthenticatorTransport;
import com.yubico.webauthn.data.ByteArray;
import com.yubico.webauthn.data.ClientRegistrationExtensionOutputs;
import com.yubico.webauthn.data.PublicKeyCredential;
import com.yubico.webauthn.data.PublicKeyCredentialCreationOptions;
import com.yubico.webauthn.data.UserIdentity;
import com.yubico.webauthn.exception.RegistrationFailedException;
import java.io.IOException;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Registration: start issues creation options and keeps the request; complete verifies the authenticator's response
 * against it and stores the new passkey.
 *
 * <p>Without a token, registration creates a new account. Whether a username is taken is not visible from start
 * (the options look the same, and excludeCredentials is never filled for an anonymous caller); a taken username is
 * refused only at complete, after a full ceremony with a user gesture, which the rate limits slow down. With a
 * management token (a fresh passkey confirmation of the account), the passkey is added to the caller's own account;
 * its complete is authorized again for that account.
 */
public final class RegistrationCeremony {
    private static final SecureRandom RANDOM = new SecureRandom();
    /** WebAuthn Level 3, 7.1: longer credential ids fail the registration. */
    private static final int MAX_CREDENTIAL_ID_BYTES = 1023;
    /** Six kinds of transport exist; room for a few future ones, within the 255 characters the column holds. */
    private static final int MAX_TRANSPORTS = 8;
    private static final Pattern TRANSPORT = Pattern.compile("[a-z][a-z0-9-]{0,23}");
    /**
     * The most passkeys an account holds: room for every device and security key a person keeps, and a bound on what
     * a sign-in start lists (each passkey's id, up to 1023 bytes, goes into its options and its pending state).
     */
    public static final int MAX_PASSKEYS_PER_ACCOUNT = 20;

    private final ServerConfig config;
    private final CredentialStore store;
    private final CeremonyStore ceremonies;
    private final CeremonyOrigins origins;
    private final SharedRelyingParty relyingParty;
    private final ObjectMapper json;

    public RegistrationCeremony(ServerConfig config, CredentialStore store, CeremonyStore ceremonies, ObjectMapper json) {
        this.config = config;
        this.store = store;
        this.ceremonies = ceremonies;
        this.origins = new CeremonyOrigins(config, json);
        this.relyingParty = new SharedRelyingParty(config);
        this.json = json;
    }

    /** The options for {@code navigator.credentials.create}, and the request id that completes them. */
    public record Started(String requestId, JsonNode publicKey) {
    }

    /** A stored passkey, on a new account or added to an existing one. */
    public record Completed(UserAccount user, StoredCredential credential, boolean newAccount) {
    }

    /**
     * @param signedIn the caller's account when the request carries a valid management token: the passkey is added
     *                 to it
     * @param client   the client starting it, whose pending ceremonies are bounded (see {@link CeremonyStore})
     */
    public Started start(String username, String displayName, Optional<UserAccount> signedIn, String client) {
        UserIdentity identity;
        if (signedIn.isPresent()) {
            UserAccount user = signedIn.get();
            if (store.credentialsOf(user.id()).size() >= MAX_PASSKEYS_PER_ACCOUNT) {
                throw accountFull();
            }
            identity = UserIdentity.builder().name(user.username()).displayName(user.displayName())
                    .id(StoreCredentialRepository.bytes(user.id())).build();
        } else {
            String name = Usernames.normalize(username);
            identity = UserIdentity.builder().name(name).displayName(Usernames.displayName(displayName, name))
                    .id(randomHandle()).build();
        }
        StartRegistrationOptions start = StartRegistrationOptions.builder()
                .user(identity)
                .authenticatorSelection(AuthenticatorSelectionCriteria.builder()
                        .residentKey(SharedRelyingParty.residentKey(config))
                        .userVerification(SharedRelyingParty.userVerification(config))
                        .build())
                .timeout(config.ceremonyTimeout().toMillis())
                .build();
        PublicKeyCredentialCreationOptions options = relyingParty.call(new StoreCredentialRepository(store),
                rp -> rp.startRegistration(start));
        if (signedIn.isEmpty()) {
            options = options.toBuilder().excludeCredentials(java.util.Set.of()).build();
        }
        String requestId = Ids.random();
        try {
            ObjectNode state = json.createObjectNode();
            state.put("ceremony", "registration");
            state.put("request", WebAuthnJson.write(options));
            state.put("newAccount", signedIn.isEmpty());
            ceremonies.put(requestId, client, json.writeValueAsString(state), config.ceremonyTimeout());
            return new Started(requestId, WebAuthnJson.publicKeyOptions(options));
        } catch (IOException e) {
            throw new IllegalStateException("Cannot encode registration options", e);
        }
    }

    /**
     * @param mayAddTo called with the account's id when the ceremony adds a passkey to an existing account, before
     *                 anything is verified or stored; it throws to refuse
     */
    public Completed complete(String requestId, JsonNode credential, Consumer<String> mayAddTo) {
        JsonNode state = Ids.state(ceremonies, json, requestId, "registration");
        PublicKeyCredentialCreationOptions request;
        try {
            request = WebAuthnJson.readCreationOptions(state.get("request").asText());
        } catch (IOException e) {
            throw new IllegalStateException("Stored registration request cannot be read", e);
        }
        if (!state.get("newAccount").asBoolean()) {
            mayAddTo.accept(request.getUser().getId().getBase64Url());
        }
        PublicKeyCredential<AuthenticatorAttestationResponse, ClientRegistrationExtensionOutputs> response;
        try {
            response = WebAuthnJson.attestation(credential);
        } catch (IOException | RuntimeException e) {
            throw new CeremonyException(CeremonyException.Reason.MALFORMED_CREDENTIAL,
                    "The credential is not a valid registration response: " + Ids.firstLine(e));
        }
        checkStorable(response);
        origins.check(response.getResponse().getClientDataJSON());
        RegistrationResult result;
        try {
            result = relyingParty.call(new StoreCredentialRepository(store), rp -> rp.finishRegistration(
                    FinishRegistrationOptions.builder().request(request).response(response).build()));
        } catch (RegistrationFailedException | RuntimeException e) {
            throw new CeremonyException(CeremonyException.Reason.VERIFICATION_FAILED,
                    "The registration could not be verified: " + Ids.firstLine(e));
        }
        Instant now = Instant.now();
        String userId = request.getUser().getId().getBase64Url();
        String transports = result.getKeyId().getTransports()
                .map(set -> set.stream().map(AuthenticatorTransport::getId).collect(Collectors.joining(",")))
                .orElse("");
        int existing = state.get("newAccount").asBoolean() ? 0 : store.credentialsOf(userId).size();
        StoredCredential stored = new StoredCredential(result.getKeyId().getId().getBase64Url(), userId,
                result.getPublicKeyCose().getBase64Url(), result.getSignatureCount(), result.isBackupEligible(),
                result.isBackedUp(), transports, "Passkey " + (existing + 1), now, null);
        if (state.get("newAccount").asBoolean()) {
            UserAccount user = new UserAccount(userId, request.getUser().getName(), request.getUser().getDisplayName(), now);
            if (store.findCredential(stored.id()).isPresent()) {
                throw alreadyRegistered();
            }
            if (!store.createUser(user, stored)) {
                throw new CeremonyException(CeremonyException.Reason.USERNAME_UNAVAILABLE, "This username cannot be"
                        + " registered. Choose another one, or sign in to add a passkey to your account.");
            }
            return new Completed(user, stored, true);
        }
        UserAccount user = store.findUserById(userId).orElseThrow(RegistrationCeremony::noAccount);
        // Checked again here: other passkeys may have been added since this one's start.
        CredentialStore.AddResult added = store.addCredential(stored, MAX_PASSKEYS_PER_ACCOUNT);
        if (added == CredentialStore.AddResult.ACCOUNT_FULL) {
            throw accountFull();
        }
        if (added == CredentialStore.AddResult.ALREADY_REGISTERED) {
            throw alreadyRegistered();
        }
        if (added == CredentialStore.AddResult.NO_ACCOUNT) {
            throw noAccount();
        }
        return new Completed(user, stored, false);
    }

    /**
     * Refuses what the database cannot hold or should not keep, before any of it is stored: a credential id over
     * 1023 bytes (WebAuthn Level 3, 7.1: a relying party fails such a registration), more transports than there are
     * kinds, or a transport that is not a short lower-case token (unknown but well-formed ones are kept, as the
     * specification asks).
     */
    private static void checkStorable(
            PublicKeyCredential<AuthenticatorAttestationResponse, ClientRegistrationExtensionOutputs> response) {
        int attestedIdLength = response.getResponse().getAttestation().getAuthenticatorData()
                .getAttestedCredentialData().map(data -> data.getCredentialId().size()).orElse(0);
        if (response.getId().size() > MAX_CREDENTIAL_ID_BYTES || attestedIdLength > MAX_CREDENTIAL_ID_BYTES) {
            throw new CeremonyException(CeremonyException.Reason.MALFORMED_CREDENTIAL, "A credential id is at most "
                    + MAX_CREDENTIAL_ID_BYTES + " bytes.");
        }
        var transports = response.getResponse().getTransports();
        if (transports.size() > MAX_TRANSPORTS || transports.stream()
                .anyMatch(t -> !TRANSPORT.matcher(t.getId()).matches())) {
            throw new CeremonyException(CeremonyException.Reason.MALFORMED_CREDENTIAL, "The transports are at most "
                    + MAX_TRANSPORTS + " values such as usb, nfc, ble, smart-card, hybrid or internal.");
        }
    }

    private static CeremonyException alreadyRegistered() {
        return new CeremonyException(CeremonyException.Reason.ALREADY_REGISTERED, "This passkey is already registered.");
    }

    private static CeremonyException noAccount() {
        return new CeremonyException(CeremonyException.Reason.UNKNOWN_REQUEST, "The account no longer exists.");
    }

    private static CeremonyException accountFull() {
        return new CeremonyException(CeremonyException.Reason.TOO_MANY_PASSKEYS, "This account already holds "
                + MAX_PASSKEYS_PER_ACCOUNT + " passkeys, the most it may have; delete one before adding another.");
    }

    private static ByteArray randomHandle() {
        byte[] handle = new byte[32];
        RANDOM.nextBytes(handle);
        return new ByteArray(handle);
    }
}
