package io.github.webauthnkit.server.storage;

import java.time.Instant;

/**
 * A registered passkey. Binary values are base64url strings.
 *
 * @param id             the credential id
 * @param userId         the owner's user handle
 * @param publicKeyCose  the credential public key, COSE encoded
 * @param signatureCount the last signature counter seen
 * @param backupEligible whether the authenticator may sync this passkey (BE flag at registration)
 * @param backedUp       whether it was backed up at the last use (BS flag)
 * @param transports     comma list of transports the browser reported
 * @param name           the user's name for it
 */
public record StoredCredential(String id, String userId, String publicKeyCose, long signatureCount,
                               boolean backupEligible, boolean backedUp, String transports, String name,
                               Instant createdAt, Instant lastUsedAt) {
}
