package io.github.webauthnkit.server.storage;

import java.time.Instant;

/**
 * A user: {@code id} is the WebAuthn user handle (64 random bytes, base64url), which is also the token's {@code sub};
 * it reveals nothing about the username.
 */
public record UserAccount(String id, String username, String displayName, Instant createdAt) {
}
