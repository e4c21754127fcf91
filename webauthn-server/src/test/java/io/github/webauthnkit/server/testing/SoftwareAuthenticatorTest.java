package io.github.webauthnkit.server.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.github.webauthnkit.server.testing.SoftwareAuthenticator.Algorithm;
import io.github.webauthnkit.server.testing.SoftwareAuthenticator.Attestation;
import io.github.webauthnkit.server.testing.SoftwareAuthenticator.Tamper;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.yubico.webauthn.AssertionRequest;
import com.yubico.webauthn.AssertionResult;
import com.yubico.webauthn.CredentialRepository;
import com.yubico.webauthn.FinishAssertionOptions;
import com.yubico.webauthn.FinishRegistrationOptions;
import com.yubico.webauthn.RegisteredCredential;
import com.yubico.webauthn.RegistrationResult;
import com.yubico.webauthn.RelyingParty;
import com.yubico.webauthn.StartAssertionOptions;
import com.yubico.webauthn.StartRegistrationOptions;
import com.yubico.webauthn.data.AttestationType;
import com.yubico.webauthn.data.AuthenticatorSelectionCriteria;
import com.yubico.webauthn.data.ByteArray;
import com.yubico.webauthn.data.PublicKeyCredential;
import com.yubico.webauthn.data.PublicKeyCredentialCreationOptions;
import com.yubico.webauthn.data.PublicKeyCredentialDescriptor;
import com.yubico.webauthn.data.PublicKeyCredentialParameters;
import com.yubico.webauthn.data.RelyingPartyIdentity;
import com.yubico.webauthn.data.ResidentKeyRequirement;
import com.yubico.webauthn.data.UserIdentity;
import com.yubico.webauthn.data.UserVerificationRequirement;
import com.yubico.webauthn.exception.AssertionFailedException;
import com.yubico.webauthn.exception.RegistrationFailedException;
import java.io.IOException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The software authenticator against Yubico's relying party alone (the library the server builds on), with an
 * in-memory credential store: its honest answers verify for every algorithm and attestation, and each hostile
 * variant is refused for the reason it was built to trigger. The API tests rely on both.
 */
class SoftwareAuthenticatorTest {
    private static final String ORIGIN = "https://login.example.test";
    private static final String RP_ID = "example.test";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Repository repository = new Repository();
    /** What the next ceremonies ask for. */
    private UserVerificationRequirement userVerification = UserVerificationRequirement.PREFERRED;

    static Stream<Arguments> algorithmsAndAttestations() {
        return Stream.of(Algorithm.values())
                .flatMap(a -> Stream.of(Attestation.values()).map(f -> Arguments.of(a, f)));
    }

    @ParameterizedTest(name = "{0} with {1} attestation")
    @MethodSource("algorithmsAndAttestations")
    void registersThenSignsInWithTheUsernameAndAsADiscoverableCredential(Algorithm algorithm, Attestation attestation)
            throws Exception {
        RelyingParty rp = relyingParty();
        SoftwareAuthenticator authenticator = new SoftwareAuthenticator(ORIGIN, algorithm, attestation);

        PublicKeyCredentialCreationOptions creation = startRegistration(rp, "alice");
        ObjectNode created = authenticator.register(publicKey(creation.toCredentialsCreateJson()));
        assertThat(created.path("id").asText()).isEqualTo(created.path("rawId").asText());
        assertThat(created.path("type").asText()).isEqualTo("public-key");
        assertThat(created.path("authenticatorAttachment").asText()).isEqualTo("platform");
        assertThat(created.path("clientExtensionResults").isObject()).isTrue();
        assertThat(created.path("response").path("publicKeyAlgorithm").asInt()).isEqualTo(algorithm.coseId());
        JsonNode clientData = JSON.readTree(Base64.getUrlDecoder().decode(
                created.path("response").path("clientDataJSON").asText()));
        assertThat(clientData.path("type").asText()).isEqualTo("webauthn.create");
        assertThat(clientData.path("origin").asText()).isEqualTo(ORIGIN);
        assertThat(clientData.path("challenge").asText()).isEqualTo(creation.getChallenge().getBase64Url());

        RegistrationResult registered = finishRegistration(rp, creation, created);
        assertThat(registered.getKeyId().getId().getBase64Url()).isEqualTo(created.path("id").asText());
        assertThat(registered.getParsedPublicKey().getAlgorithm()).isIn(switch (algorithm) {
            case ES256 -> List.of("EC");
            case RS256 -> List.of("RSA");
            case EdDSA -> List.of("EdDSA", "Ed25519");
        });
        assertThat(registered.getAttestationType()).isEqualTo(
                attestation == Attestation.NONE ? AttestationType.NONE : AttestationType.SELF_ATTESTATION);
        assertThat(registered.isUserVerified()).isTrue();
        assertThat(registered.isBackupEligible()).isFalse();
        assertThat(registered.getSignatureCount()).isZero();

        AssertionRequest withUsername = rp.startAssertion(StartAssertionOptions.builder().username("alice").build());
        JsonNode requestOptions = publicKey(withUsername.toCredentialsGetJson());
        assertThat(requestOptions.path("allowCredentials").findValuesAsText("id"))
                .containsExactly(created.path("id").asText());
        AssertionResult signedIn = finishAssertion(rp, withUsername, authenticator.authenticate(requestOptions));
        assertThat(signedIn.isSuccess()).isTrue();
        assertThat(signedIn.getUsername()).isEqualTo("alice");
        assertThat(signedIn.isUserVerified()).isTrue();

        AssertionRequest discoverable = rp.startAssertion(StartAssertionOptions.builder().build());
        JsonNode anyCredential = publicKey(discoverable.toCredentialsGetJson());
        assertThat(anyCredential.path("allowCredentials")).isEmpty();
        AssertionResult picked = finishAssertion(rp, discoverable, authenticator.authenticate(anyCredential));
        assertThat(picked.getUsername()).isEqualTo("alice");
        assertThat(picked.getCredentialId()).isEqualTo(registered.getKeyId().getId());
    }

    @Test
    void theSignatureCounterCanBeSetAndARegressionIsRefused() throws Exception {
        RelyingParty rp = relyingParty();
        SoftwareAuthenticator authenticator = new SoftwareAuthenticator(ORIGIN, Algorithm.ES256);
        String id = register(rp, authenticator, "bob").getKeyId().getId().getBase64Url();

        assertThat(signIn(rp, authenticator, "bob").getSignatureCount()).as("a synced passkey stays at 0").isZero();
        AssertionResult zeroAgain = signIn(rp, authenticator, "bob");
        assertThat(zeroAgain.getSignatureCount()).isZero();
        assertThat(zeroAgain.isSignatureCounterValid()).isTrue();

        authenticator.setCounter(id, 41);
        assertThat(signIn(rp, authenticator, "bob").getSignatureCount()).isEqualTo(42);
        assertThat(authenticator.counter(id)).isEqualTo(42);

        assertThat(refusalOfAssertion(rp, authenticator, t -> t.counter = 7L))
                .isInstanceOf(AssertionFailedException.class).hasMessageContaining("ignature count");
    }

    @Test
    void flagsAreSetAsAsked() throws Exception {
        RelyingParty rp = relyingParty();
        SoftwareAuthenticator synced = new SoftwareAuthenticator(ORIGIN, Algorithm.EdDSA);
        Tamper backedUp = new Tamper();
        backedUp.backupEligible = true;
        backedUp.backedUp = true;
        synced.tamperNext(backedUp);
        RegistrationResult registered = register(rp, synced, "carol");
        assertThat(registered.isBackupEligible()).isTrue();
        assertThat(registered.isBackedUp()).isTrue();

        Tamper presentOnly = new Tamper();
        presentOnly.userVerified = false;
        synced.tamperNext(presentOnly);
        AssertionResult assertion = signIn(rp, synced, "carol");
        assertThat(assertion.isUserVerified()).isFalse();
        assertThat(assertion.isBackupEligible()).as("the credential keeps its backup state").isTrue();
        assertThat(assertion.isBackedUp()).isTrue();

        userVerification = UserVerificationRequirement.REQUIRED;
        assertThat(refusalOfAssertion(rp, synced, t -> t.userVerified = false))
                .isInstanceOf(AssertionFailedException.class).hasMessageContaining("User Verification");
        assertThat(refusalOfRegistration(rp, new SoftwareAuthenticator(ORIGIN, Algorithm.ES256),
                t -> t.userVerified = false))
                .isInstanceOf(RegistrationFailedException.class).hasMessageContaining("User Verification");
    }

    /** Each hostile registration, and the words of Yubico's refusal that show which check caught it. */
    static Stream<Arguments> hostileRegistrations() {
        return Stream.of(
                hostile("wrong origin", t -> t.origin = "https://evil.example", "Incorrect origin"),
                hostile("wrong type", t -> t.type = "webauthn.get", "must be exactly \"webauthn.create\""),
                hostile("wrong challenge", t -> t.challenge = "AAAAAAAAAAAAAAAAAAAAAA", "Incorrect challenge"),
                hostile("wrong RP id hash", t -> t.rpId = "evil.example", "Wrong RP ID hash"),
                hostile("tampered attestation signature", t -> t.signature = true, "Invalid attestation signature"),
                hostile("garbage CBOR attestationObject", t -> t.garbageAttestation = true,
                        "AuthenticatorAttestationResponse"),
                hostile("bad base64url", t -> t.badBase64 = true, "Invalid Base64Url"),
                hostile("user not present", t -> t.userPresent = false, "User Presence is required"),
                hostile("backed up but not backup eligible", t -> t.backedUp = true, "BE=0, BS=1"),
                // Yubico 2.9.0 fails this one with a NoSuchElementException rather than its own exception type.
                hostile("attested credential data without the AT flag", t -> t.attestedCredentialData = false, ""));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("hostileRegistrations")
    void hostileRegistrationsAreRefused(String name, Consumer<Tamper> hostile, String reason) {
        SoftwareAuthenticator authenticator = new SoftwareAuthenticator(ORIGIN, Algorithm.ES256,
                Attestation.PACKED_SELF);
        assertRefused(refusalOfRegistration(relyingParty(), authenticator, hostile), reason);
    }

    static Stream<Arguments> hostileAssertions() {
        return Stream.of(
                hostile("wrong origin", t -> t.origin = "https://login.example.test:8443", "Incorrect origin"),
                hostile("wrong type", t -> t.type = "webauthn.create", "must be exactly \"webauthn.get\""),
                hostile("wrong challenge", t -> t.challenge = "AAAAAAAAAAAAAAAAAAAAAA", "Incorrect challenge"),
                hostile("wrong RP id hash", t -> t.rpId = "evil.example", "Wrong RP ID hash"),
                hostile("tampered signature", t -> t.signature = true, "Invalid assertion signature"),
                hostile("bad base64url", t -> t.badBase64 = true, "Invalid Base64Url"),
                hostile("truncated authenticatorData", t -> t.garbageAuthenticatorData = true, "at least 37 bytes"),
                hostile("someone else's user handle", t -> t.userHandle = "c29tZW9uZS1lbHNl",
                        "Unknown username for user handle"),
                hostile("user not present", t -> t.userPresent = false, "User Presence is required"),
                hostile("backed up but not backup eligible", t -> t.backedUp = true, "BE=0, BS=1"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("hostileAssertions")
    void hostileAssertionsAreRefused(String name, Consumer<Tamper> hostile, String reason) throws Exception {
        RelyingParty rp = relyingParty();
        SoftwareAuthenticator authenticator = new SoftwareAuthenticator(ORIGIN, Algorithm.ES256);
        register(rp, authenticator, "dave");
        assertRefused(refusalOfAssertion(rp, authenticator, hostile), reason);
        assertThat(signIn(rp, authenticator, "dave").isSuccess()).as("the honest answer still works").isTrue();
    }

    @Test
    void refusesLikeABrowserWhereARealAuthenticatorWould() throws Exception {
        RelyingParty rp = relyingParty();
        SoftwareAuthenticator authenticator = new SoftwareAuthenticator(ORIGIN, Algorithm.RS256);
        register(rp, authenticator, "erin");
        JsonNode again = publicKey(startRegistration(rp, "erin").toCredentialsCreateJson());
        assertThatThrownBy(() -> authenticator.register(again)).hasMessageStartingWith("InvalidStateError");

        RelyingParty es256Only = RelyingParty.builder()
                .identity(RelyingPartyIdentity.builder().id(RP_ID).name("Test").build())
                .credentialRepository(repository).origins(Set.of(ORIGIN))
                .preferredPubkeyParams(List.of(PublicKeyCredentialParameters.ES256)).build();
        JsonNode onlyEs256 = publicKey(startRegistration(es256Only, "frank").toCredentialsCreateJson());
        assertThatThrownBy(() -> authenticator.register(onlyEs256)).hasMessageStartingWith("NotSupportedError");

        ObjectNode elsewhere = (ObjectNode) publicKey(rp.startAssertion(StartAssertionOptions.builder().build())
                .toCredentialsGetJson());
        elsewhere.put("rpId", "other.test");
        assertThatThrownBy(() -> authenticator.authenticate(elsewhere)).hasMessageStartingWith("NotAllowedError");
        assertThat(authenticator.credentialCount()).isEqualTo(1);
    }

    // ---- Yubico's relying party over an in-memory store ---------------------------------------------------------

    private RelyingParty relyingParty() {
        return RelyingParty.builder()
                .identity(RelyingPartyIdentity.builder().id(RP_ID).name("Test").build())
                .credentialRepository(repository)
                .origins(Set.of(ORIGIN))
                .allowUntrustedAttestation(true)
                .validateSignatureCounter(true)
                .build();
    }

    private PublicKeyCredentialCreationOptions startRegistration(RelyingParty rp, String username) {
        ByteArray handle = repository.getUserHandleForUsername(username).orElseGet(() -> {
            byte[] random = new byte[32];
            new SecureRandom().nextBytes(random);
            return new ByteArray(random);
        });
        return rp.startRegistration(StartRegistrationOptions.builder()
                .user(UserIdentity.builder().name(username).displayName(username).id(handle).build())
                .authenticatorSelection(AuthenticatorSelectionCriteria.builder()
                        .residentKey(ResidentKeyRequirement.REQUIRED).userVerification(userVerification).build())
                .build());
    }

    private RegistrationResult finishRegistration(RelyingParty rp, PublicKeyCredentialCreationOptions request,
                                                  JsonNode credential) throws IOException, RegistrationFailedException {
        RegistrationResult result = rp.finishRegistration(FinishRegistrationOptions.builder().request(request)
                .response(PublicKeyCredential.parseRegistrationResponseJson(credential.toString())).build());
        repository.add(request.getUser(), RegisteredCredential.builder().credentialId(result.getKeyId().getId())
                .userHandle(request.getUser().getId()).publicKeyCose(result.getPublicKeyCose())
                .signatureCount(result.getSignatureCount()).build());
        return result;
    }

    private RegistrationResult register(RelyingParty rp, SoftwareAuthenticator authenticator, String username)
            throws Exception {
        PublicKeyCredentialCreationOptions request = startRegistration(rp, username);
        return finishRegistration(rp, request, authenticator.register(publicKey(request.toCredentialsCreateJson())));
    }

    private AssertionResult finishAssertion(RelyingParty rp, AssertionRequest request, JsonNode credential)
            throws IOException, AssertionFailedException {
        AssertionResult result = rp.finishAssertion(FinishAssertionOptions.builder().request(request)
                .response(PublicKeyCredential.parseAssertionResponseJson(credential.toString())).build());
        repository.updateCount(result.getCredentialId(), result.getSignatureCount());
        return result;
    }

    private AssertionResult signIn(RelyingParty rp, SoftwareAuthenticator authenticator, String username)
            throws Exception {
        AssertionRequest request = rp.startAssertion(StartAssertionOptions.builder().username(username)
                .userVerification(userVerification).build());
        return finishAssertion(rp, request, authenticator.authenticate(publicKey(request.toCredentialsGetJson())));
    }

    private Throwable refusalOfRegistration(RelyingParty rp, SoftwareAuthenticator authenticator,
                                            Consumer<Tamper> hostile) {
        Tamper tamper = new Tamper();
        hostile.accept(tamper);
        authenticator.tamperNext(tamper);
        return catchThrowable(() -> register(rp, authenticator, "mallory"));
    }

    private Throwable refusalOfAssertion(RelyingParty rp, SoftwareAuthenticator authenticator,
                                         Consumer<Tamper> hostile) {
        AssertionRequest request = rp.startAssertion(StartAssertionOptions.builder()
                .userVerification(userVerification).build());
        Tamper tamper = new Tamper();
        hostile.accept(tamper);
        authenticator.tamperNext(tamper);
        return catchThrowable(() -> finishAssertion(rp, request,
                authenticator.authenticate(publicKey(request.toCredentialsGetJson()))));
    }

    /**
     * Refused means Yubico threw and gave no result: for input that is not even a credential, while parsing it; for
     * the rest, in the ceremony's checks, with a message naming the check that failed.
     */
    private static void assertRefused(Throwable refusal, String reason) {
        assertThat(refusal).isNotNull();
        assertThat(refusal.getStackTrace()).as("thrown inside Yubico's library, not by the test's own code")
                .anyMatch(frame -> frame.getClassName().startsWith("com.yubico.webauthn."));
        if (!reason.isEmpty()) {
            assertThat(refusal).hasMessageContaining(reason);
        }
    }

    private static Arguments hostile(String name, Consumer<Tamper> tamper, String reason) {
        return Arguments.of(name, tamper, reason);
    }

    private static JsonNode publicKey(String credentialsJson) throws IOException {
        return JSON.readTree(credentialsJson).get("publicKey");
    }

    /** Credentials by id and users by name, as the server's store keeps them. */
    private static final class Repository implements CredentialRepository {
        private final Map<ByteArray, RegisteredCredential> credentials = new ConcurrentHashMap<>();
        private final Map<String, ByteArray> users = new ConcurrentHashMap<>();

        void add(UserIdentity user, RegisteredCredential credential) {
            users.put(user.getName(), user.getId());
            credentials.put(credential.getCredentialId(), credential);
        }

        void updateCount(ByteArray credentialId, long count) {
            credentials.computeIfPresent(credentialId, (id, c) -> c.toBuilder().signatureCount(count).build());
        }

        @Override
        public Set<PublicKeyCredentialDescriptor> getCredentialIdsForUsername(String username) {
            return getUserHandleForUsername(username).map(handle -> credentials.values().stream()
                    .filter(c -> c.getUserHandle().equals(handle))
                    .map(c -> PublicKeyCredentialDescriptor.builder().id(c.getCredentialId()).build())
                    .collect(Collectors.toSet())).orElse(Set.of());
        }

        @Override
        public Optional<ByteArray> getUserHandleForUsername(String username) {
            return Optional.ofNullable(users.get(username));
        }

        @Override
        public Optional<String> getUsernameForUserHandle(ByteArray userHandle) {
            return users.entrySet().stream().filter(e -> e.getValue().equals(userHandle)).map(Map.Entry::getKey)
                    .findFirst();
        }

        @Override
        public Optional<RegisteredCredential> lookup(ByteArray credentialId, ByteArray userHandle) {
            return Optional.ofNullable(credentials.get(credentialId)).filter(c -> c.getUserHandle().equals(userHandle));
        }

        @Override
        public Set<RegisteredCredential> lookupAll(ByteArray credentialId) {
            return Optional.ofNullable(credentials.get(credentialId)).map(Set::of).orElse(Set.of());
        }
    }
}
