package io.github.webauthnkit.server.ceremonies;

import io.github.webauthnkit.server.config.ServerConfig;
import com.yubico.webauthn.CredentialRepository;
import com.yubico.webauthn.RegisteredCredential;
import com.yubico.webauthn.RelyingParty;
import com.yubico.webauthn.data.AttestationConveyancePreference;
import com.yubico.webauthn.data.ByteArray;
import com.yubico.webauthn.data.PublicKeyCredentialDescriptor;
import com.yubico.webauthn.data.RelyingPartyIdentity;
import com.yubico.webauthn.data.ResidentKeyRequirement;
import com.yubico.webauthn.data.UserVerificationRequirement;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * Yubico's relying party, configured from the server configuration and built once for a kind of ceremony. Building
 * one looks every signature algorithm up in the JCA and checks every origin, with a warning for each app origin
 * ({@code android:apk-key-hash:...}, not a URL): built for each step, as before, that was 2.6% of the server's CPU at
 * concurrency 64, and a warning per app origin in every step's log. The library asks its questions of a repository;
 * each step's calls go to that step's own {@link StoreCredentialRepository} ({@link #call}), so nothing read in one
 * step is reused by another.
 */
final class SharedRelyingParty {
    /** A step's use of the relying party. */
    interface Step<T, E extends Exception> {
        T run(RelyingParty relyingParty) throws E;
    }

    /** The repository of the step running on this thread; the library calls it from the step's own thread. */
    private final ThreadLocal<StoreCredentialRepository> reads = new ThreadLocal<>();
    private final RelyingParty relyingParty;

    SharedRelyingParty(ServerConfig config) {
        this.relyingParty = RelyingParty.builder()
                .identity(RelyingPartyIdentity.builder().id(config.rpId()).name(config.rpName()).build())
                .credentialRepository(new StepRepository())
                .origins(config.ceremonyOrigins())
                .attestationConveyancePreference(
                        AttestationConveyancePreference.valueOf(config.attestation().toUpperCase(Locale.ROOT)))
                // Attestation is requested as configured and kept, but not chained to a trust root: no metadata
                // service is configured (see SECURITY_CHECKLIST.md).
                .allowUntrustedAttestation(true)
                // Counter regression is refused; a counter of 0 on both sides (synced passkeys) is accepted.
                .validateSignatureCounter(true)
                .build();
    }

    /**
     * Runs one step's calls of the relying party, its questions answered by {@code stepReads}; a call within another
     * step's gives that step its reads back when it returns.
     */
    <T, E extends Exception> T call(StoreCredentialRepository stepReads, Step<T, E> step) throws E {
        StoreCredentialRepository outer = reads.get();
        reads.set(stepReads);
        try {
            return step.run(relyingParty);
        } finally {
            if (outer == null) {
                reads.remove();
            } else {
                reads.set(outer);
            }
        }
    }

    static UserVerificationRequirement userVerification(ServerConfig config) {
        return UserVerificationRequirement.valueOf(config.userVerification().toUpperCase(Locale.ROOT));
    }

    static ResidentKeyRequirement residentKey(ServerConfig config) {
        return ResidentKeyRequirement.valueOf(config.residentKey().toUpperCase(Locale.ROOT));
    }

    /** Passes each question on to the running step's repository. */
    private final class StepRepository implements CredentialRepository {
        private StoreCredentialRepository current() {
            StoreCredentialRepository current = reads.get();
            if (current == null) {
                throw new IllegalStateException("The relying party asked for credentials outside a ceremony step");
            }
            return current;
        }

        @Override
        public Set<PublicKeyCredentialDescriptor> getCredentialIdsForUsername(String username) {
            return current().getCredentialIdsForUsername(username);
        }

        @Override
        public Optional<ByteArray> getUserHandleForUsername(String username) {
            return current().getUserHandleForUsername(username);
        }

        @Override
        public Optional<String> getUsernameForUserHandle(ByteArray userHandle) {
            return current().getUsernameForUserHandle(userHandle);
        }

        @Override
        public Optional<RegisteredCredential> lookup(ByteArray credentialId, ByteArray userHandle) {
            return current().lookup(credentialId, userHandle);
        }

        @Override
        public Set<RegisteredCredential> lookupAll(ByteArray credentialId) {
            return current().lookupAll(credentialId);
        }
    }
}
