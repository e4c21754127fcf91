package io.github.webauthnkit.server.ceremonies;

import io.github.webauthnkit.server.config.ServerConfig;
import com.yubico.webauthn.RelyingParty;
import com.yubico.webauthn.data.AttestationConveyancePreference;
import com.yubico.webauthn.data.RelyingPartyIdentity;
import com.yubico.webauthn.data.ResidentKeyRequirement;
import com.yubico.webauthn.data.UserVerificationRequirement;
import java.util.Locale;

/**
 * Yubico's relying party, configured from the server configuration: one per ceremony step, reading through that
 * step's repository (a few microseconds to build).
 */
final class RelyingPartyFactory {
    private RelyingPartyFactory() {
    }

    static RelyingParty create(ServerConfig config, StoreCredentialRepository reads) {
        return RelyingParty.builder()
                .identity(RelyingPartyIdentity.builder().id(config.rpId()).name(config.rpName()).build())
                .credentialRepository(reads)
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

    static UserVerificationRequirement userVerification(ServerConfig config) {
        return UserVerificationRequirement.valueOf(config.userVerification().toUpperCase(Locale.ROOT));
    }

    static ResidentKeyRequirement residentKey(ServerConfig config) {
        return ResidentKeyRequirement.valueOf(config.residentKey().toUpperCase(Locale.ROOT));
    }
}
