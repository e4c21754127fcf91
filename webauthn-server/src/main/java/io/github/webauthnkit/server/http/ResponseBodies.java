package io.github.webauthnkit.server.http;

import io.github.webauthnkit.server.storage.StoredCredential;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/** The API's response bodies; Jackson writes their fields in the order they are declared here. */
final class ResponseBodies {
    /** The first step of a ceremony: the id to complete it with and the options for the browser's WebAuthn call. */
    record CeremonyStarted(String requestId, JsonNode publicKey) {
    }

    /** A passkey registered, to a new account or to the signed-in one. */
    record RegistrationDone(String userId, String credentialId) {
    }

    /** A successful sign-in; the field names are OAuth 2.0's (RFC 6749 5.1). */
    record TokenResponse(String access_token, String token_type, long expires_in) {
    }

    /** A confirmed account ceremony: the token that changes the account's passkeys, for this server only. */
    record ManagementTokenResponse(String management_token, long expires_in) {
    }

    /** GET /credentials. */
    record CredentialList(List<CredentialView> credentials) {
    }

    /** A passkey as its owner sees it: no key material, times as ISO-8601, lastUsedAt null until its first use. */
    record CredentialView(String id, String name, String createdAt, String lastUsedAt, boolean backupEligible,
                          boolean backedUp, List<String> transports) {
        static CredentialView of(StoredCredential c) {
            return new CredentialView(c.id(), c.name(), c.createdAt().toString(),
                    c.lastUsedAt() == null ? null : c.lastUsedAt().toString(), c.backupEligible(), c.backedUp(),
                    c.transports().isEmpty() ? List.of() : List.of(c.transports().split(",")));
        }
    }

    /** Every refusal and failure: a stable code and a message safe to show. */
    record ErrorBody(String error, String message) {
    }

    /**
     * GET /health: UP or DOWN overall and per dependency, the key ring UP or STALE (its file could not be re-read),
     * and the kid tokens are signed with (null if none).
     */
    record HealthReport(String status, String store, String ceremonies, String keyRing, String signingKey) {
    }

    /** The health answer for callers outside the stack's network. */
    record HealthStatus(String status) {
    }

    private ResponseBodies() {
    }
}
