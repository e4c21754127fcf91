package io.github.webauthnkit.server.extension;

import java.time.Instant;

/**
 * Something that happened to an account, for an {@link AuthEventListener}. Never carries a token, a secret, a
 * challenge or a credential response.
 *
 * @param type          what happened
 * @param at            when the server decided it
 * @param userId        the account's opaque id (the token's {@code sub}), or null when no account is known
 * @param username      the username, or null when the request named none (or for a refusal without one)
 * @param credentialId  the passkey involved, or null
 * @param clientAddress the client's address as the server sees it
 * @param reason        for {@link Type#REFUSED} and {@link Type#RATE_LIMITED}, the error code the client received
 *                      (for example {@code verification_failed}); null otherwise
 */
public record AuthEvent(Type type, Instant at, String userId, String username, String credentialId,
                        String clientAddress, String reason) {

    public enum Type {
        /** A new account with its first passkey. */
        REGISTERED,
        /** A sign-in that issued a token. */
        SIGNED_IN,
        /**
         * The signed-in account confirmed with one of its passkeys again, which issued a management token: the step
         * before passkeys are added, renamed or removed.
         */
        REAUTHENTICATED,
        /** A passkey added to an existing account. */
        PASSKEY_ADDED,
        /** A passkey renamed by its owner. */
        PASSKEY_RENAMED,
        /** A passkey deleted by its owner. */
        PASSKEY_REMOVED,
        /** A ceremony step the server refused (bad response, unknown request, invalid token ...). */
        REFUSED,
        /** A request turned away by the rate limits. */
        RATE_LIMITED
    }
}
