package io.github.webauthnkit.server.ceremonies;

import io.github.webauthnkit.server.config.ServerConfig;
import io.github.webauthnkit.server.storage.CredentialStore;
import io.github.webauthnkit.server.storage.StoredCredential;
import io.github.webauthnkit.server.storage.UserAccount;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.yubico.webauthn.AssertionRequest;
import com.yubico.webauthn.AssertionResult;
import com.yubico.webauthn.FinishAssertionOptions;
import com.yubico.webauthn.StartAssertionOptions;
import com.yubico.webauthn.data.AuthenticatorAssertionResponse;
import com.yubico.webauthn.data.AuthenticatorTransport;
import com.yubico.webauthn.data.ByteArray;
import com.yubico.webauthn.data.ClientAssertionExtensionOutputs;
import com.yubico.webauthn.data.PublicKeyCredential;
import com.yubico.webauthn.data.PublicKeyCredentialDescriptor;
import com.yubico.webauthn.data.PublicKeyCredentialRequestOptions;
import com.yubico.webauthn.data.UserVerificationRequirement;
import com.yubico.webauthn.exception.AssertionFailedException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Authentication: with a username (its passkeys are offered) or without one (a discoverable passkey chooses the
 * account). For an unknown username the options offer a stand-in passkey derived from the username with a secret of
 * the installation (kept in the database, so every replica and every restart offers the same one), with an id of
 * the usual length and transports, so the answer looks like one for an existing account with one passkey.
 *
 * <p>The account ceremony is an authentication of the signed-in account again, before its passkeys change: only that
 * account's passkeys are offered and accepted, user verification is required whatever the configuration says, and
 * its request id completes nothing else (nor does a sign-in's request id complete it).
 */
public final class AuthenticationCeremony {
    /** The account ceremony's name in its stored state, and in metrics and logs. */
    public static final String ACCOUNT = "account";

    private final ServerConfig config;
    private final CredentialStore store;
    private final CeremonyStore ceremonies;
    private final CeremonyOrigins origins;
    private final SharedRelyingParty relyingParty;
    private final ObjectMapper json;
    /** The transports a stand-in passkey reports: those real passkeys report most. */
    private static final List<Set<AuthenticatorTransport>> STAND_IN_TRANSPORTS = List.of(
            Set.of(AuthenticatorTransport.HYBRID, AuthenticatorTransport.INTERNAL),
            Set.of(AuthenticatorTransport.HYBRID, AuthenticatorTransport.INTERNAL),
            Set.of(AuthenticatorTransport.HYBRID, AuthenticatorTransport.INTERNAL),
            Set.of(AuthenticatorTransport.INTERNAL),
            Set.of(AuthenticatorTransport.USB),
            Set.of(AuthenticatorTransport.NFC, AuthenticatorTransport.USB));

    private final byte[] standInSecret;

    public AuthenticationCeremony(ServerConfig config, CredentialStore store, CeremonyStore ceremonies, ObjectMapper json) {
        this.config = config;
        this.store = store;
        this.ceremonies = ceremonies;
        this.origins = new CeremonyOrigins(config, json);
        this.relyingParty = new SharedRelyingParty(config);
        this.json = json;
        this.standInSecret = store.installationSecret("unknown-username-passkey");
    }

    /** The options for {@code navigator.credentials.get}, and the request id that completes them. */
    public record Started(String requestId, JsonNode publicKey) {
    }

    /**
     * A verified authentication.
     *
     * @param userVerified whether the authenticator verified the user (PIN or biometric: the UV flag)
     */
    public record Completed(UserAccount user, StoredCredential credential, boolean userVerified) {
    }

    /**
     * @param username the account to sign in to, or empty for a discoverable passkey
     * @param client   the client starting it, whose pending ceremonies are bounded (see {@link CeremonyStore})
     */
    public Started start(Optional<String> username, String client) {
        StartAssertionOptions.StartAssertionOptionsBuilder options = StartAssertionOptions.builder()
                .userVerification(SharedRelyingParty.userVerification(config))
                .timeout(config.ceremonyTimeout().toMillis());
        Optional<String> name = username.filter(u -> !u.isBlank()).map(Usernames::normalize);
        name.ifPresent(options::username);
        AssertionRequest request = relyingParty.call(new StoreCredentialRepository(store),
                rp -> rp.startAssertion(options.build()));
        if (name.isPresent() && request.getPublicKeyCredentialRequestOptions().getAllowCredentials()
                .map(List::isEmpty).orElse(true)) {
            PublicKeyCredentialRequestOptions standIn = request.getPublicKeyCredentialRequestOptions().toBuilder()
                    .allowCredentials(List.of(standIn(name.get()))).build();
            request = request.toBuilder().publicKeyCredentialRequestOptions(standIn).build();
        }
        return keep(request, "authentication", name, Optional.empty(), client);
    }

    /**
     * The account ceremony's options: the passkeys of the signed-in account, with user verification required.
     *
     * @param client the client starting it, whose pending ceremonies are bounded (see {@link CeremonyStore})
     */
    public Started startForAccount(UserAccount account, String client) {
        StartAssertionOptions options = StartAssertionOptions.builder()
                .username(account.username())
                .userVerification(UserVerificationRequirement.REQUIRED)
                .timeout(config.ceremonyTimeout().toMillis())
                .build();
        AssertionRequest request = relyingParty.call(new StoreCredentialRepository(store),
                rp -> rp.startAssertion(options));
        return keep(request, ACCOUNT, Optional.of(account.username()), Optional.of(account.id()), client);
    }

    /** Keeps the ceremony's state until it is completed or times out; the options go to the browser. */
    private Started keep(AssertionRequest request, String ceremony, Optional<String> username,
                         Optional<String> accountId, String client) {
        String requestId = Ids.random();
        try {
            ObjectNode state = json.createObjectNode();
            state.put("ceremony", ceremony);
            state.put("request", WebAuthnJson.write(request));
            username.ifPresent(n -> state.put("username", n));
            accountId.ifPresent(id -> state.put("accountId", id));
            ceremonies.put(requestId, client, json.writeValueAsString(state), config.ceremonyTimeout());
            return new Started(requestId, WebAuthnJson.publicKeyOptions(request.getPublicKeyCredentialRequestOptions()));
        } catch (IOException e) {
            throw new IllegalStateException("Cannot encode authentication options", e);
        }
    }

    public Completed complete(String requestId, JsonNode credential) {
        return verifyStarted(Ids.state(ceremonies, json, requestId, "authentication"), credential);
    }

    /**
     * Completes an account ceremony: the request id must be one the same account started, and the passkey one of
     * that account's.
     *
     * @param account the signed-in account completing it
     */
    public Completed completeForAccount(String requestId, JsonNode credential, UserAccount account) {
        JsonNode state = Ids.state(ceremonies, json, requestId, ACCOUNT);
        if (!account.id().equals(state.path("accountId").asText())) {
            throw Ids.unknown();
        }
        return verifyStarted(state, credential);
    }

    /** A refusal names the account the ceremony was started for: it counts towards that account's limit. */
    private Completed verifyStarted(JsonNode state, JsonNode credential) {
        try {
            return verify(state, credential);
        } catch (CeremonyException e) {
            throw state.hasNonNull("username") ? e.forUsername(state.get("username").asText()) : e;
        }
    }

    /** The username a sign-in was started for, so the HTTP layer can check that account's limit at start. */
    public static Optional<String> username(Optional<String> requested) {
        return requested.filter(u -> !u.isBlank()).map(Usernames::normalize);
    }

    private Completed verify(JsonNode state, JsonNode credential) {
        AssertionRequest request;
        try {
            request = WebAuthnJson.readAssertionRequest(state.get("request").asText());
        } catch (IOException e) {
            throw new IllegalStateException("Stored authentication request cannot be read", e);
        }
        PublicKeyCredential<AuthenticatorAssertionResponse, ClientAssertionExtensionOutputs> response;
        try {
            response = WebAuthnJson.assertion(credential);
        } catch (IOException | RuntimeException e) {
            throw new CeremonyException(CeremonyException.Reason.MALFORMED_CREDENTIAL,
                    "The credential is not a valid authentication response: " + Ids.firstLine(e));
        }
        origins.check(response.getResponse().getClientDataJSON());
        StoreCredentialRepository reads = new StoreCredentialRepository(store);
        Optional<StoredCredential> known = reads.credential(response.getId().getBase64Url());
        if (known.isEmpty()) {
            throw new CeremonyException(CeremonyException.Reason.UNKNOWN_CREDENTIAL,
                    "This passkey is not registered here.");
        }
        if (state.hasNonNull("accountId") && !state.get("accountId").asText().equals(known.get().userId())) {
            throw new CeremonyException(CeremonyException.Reason.VERIFICATION_FAILED,
                    "This passkey is not one of the signed-in account's; confirm with one of yours.");
        }
        AssertionResult result;
        try {
            result = relyingParty.call(reads, rp -> rp.finishAssertion(FinishAssertionOptions.builder()
                    .request(request).response(response).build()));
        } catch (AssertionFailedException | RuntimeException e) {
            String message = Ids.firstLine(e);
            if (message.toLowerCase(java.util.Locale.ROOT).contains("signature counter")) {
                throw new CeremonyException(CeremonyException.Reason.COUNTER_REGRESSION, "The passkey's signature"
                        + " counter went backwards, which suggests a cloned authenticator; the sign-in was refused.");
            }
            throw new CeremonyException(CeremonyException.Reason.VERIFICATION_FAILED,
                    "The authentication could not be verified: " + message);
        }
        if (!result.isSuccess()) {
            throw new CeremonyException(CeremonyException.Reason.VERIFICATION_FAILED,
                    "The authentication could not be verified.");
        }
        StoredCredential stored = known.get();
        if (!store.recordUse(stored.id(), stored.signatureCount(), result.getSignatureCount(), result.isBackedUp(),
                Instant.now())) {
            throw new CeremonyException(CeremonyException.Reason.COUNTER_REGRESSION, "Another sign-in with this passkey"
                    + " moved its signature counter at the same moment; the sign-in was refused.");
        }
        UserAccount user = reads.userById(stored.userId()).orElseThrow(() -> new CeremonyException(
                CeremonyException.Reason.UNKNOWN_CREDENTIAL, "This passkey is not registered here."));
        return new Completed(user, stored, result.isUserVerified());
    }

    /**
     * The stand-in passkey of an unknown username: its id (32 bytes) and its transports from two HMACs of the name,
     * so that nothing in the id tells which transports a stand-in would have.
     */
    private PublicKeyCredentialDescriptor standIn(String username) {
        byte[] id = standInMac("id", username);
        int transports = Byte.toUnsignedInt(standInMac("transports", username)[0]) % STAND_IN_TRANSPORTS.size();
        return PublicKeyCredentialDescriptor.builder().id(new ByteArray(id))
                .transports(STAND_IN_TRANSPORTS.get(transports)).build();
    }

    private byte[] standInMac(String purpose, String username) {
        try {
            Mac hmac = Mac.getInstance("HmacSHA256");
            hmac.init(new SecretKeySpec(standInSecret, "HmacSHA256"));
            return hmac.doFinal((purpose + "\n" + username).getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
