package io.github.webauthnkit.server.http;

import io.github.webauthnkit.server.storage.CredentialStore;
import io.github.webauthnkit.server.storage.UserAccount;
import io.github.webauthnkit.server.tokens.TokenService;
import io.javalin.http.Context;
import java.time.Instant;
import java.util.Optional;

/**
 * The account a request acts for, by the bearer token in its Authorization header: an access token (a sign-in) for
 * reading, a management token (a fresh passkey confirmation) for changing the account's passkeys. Neither is
 * accepted in place of the other.
 */
final class BearerAuth {
    private final TokenService tokens;
    private final CredentialStore store;

    BearerAuth(TokenService tokens, CredentialStore store) {
        this.tokens = tokens;
        this.store = store;
    }

    /**
     * The signed-in account, or none without an Authorization header; a header that is not a valid access token of
     * an existing account is refused ({@link TokenService.InvalidTokenException}).
     */
    Optional<UserAccount> signedIn(Context ctx) {
        return token(ctx).map(token -> account(tokens.verify(token, Instant.now()).getSubject()));
    }

    /** The signed-in account; a request without a token gets a 401 asking for one. */
    UserAccount require(Context ctx) {
        return signedIn(ctx).orElseThrow(() -> missing(ctx, "Sign in first: this request needs a bearer token."));
    }

    /**
     * The account a request may change, or none without an Authorization header. An access token there gets a 403
     * {@code fresh_authentication_required}: it proves a sign-in, not that the passkey holder is present now. Any
     * other token that is not a valid management token of an existing account is refused as invalid.
     */
    Optional<UserAccount> manager(Context ctx) {
        return token(ctx).map(token -> {
            Instant now = Instant.now();
            try {
                return account(tokens.verifyManagement(token, now).getSubject());
            } catch (TokenService.InvalidTokenException e) {
                if (isAccessToken(token, now)) {
                    throw new ApiException(403, "fresh_authentication_required", "Changing your passkeys needs a"
                            + " fresh confirmation with one of them: get a management token (POST /account/start,"
                            + " then /account/complete) and send it instead of the sign-in token.");
                }
                throw e;
            }
        });
    }

    /** The account a request may change; a request without a token gets a 401 asking for a management token. */
    UserAccount requireManager(Context ctx) {
        return manager(ctx).orElseThrow(() -> missing(ctx, "Confirm with your passkey first: this request needs a"
                + " management token (POST /account/start, then /account/complete)."));
    }

    /** As {@link #requireManager}, for a change to the given account only: another account's token gets a 403. */
    void requireManagerOf(Context ctx, String accountId) {
        if (!requireManager(ctx).id().equals(accountId)) {
            throw new ApiException(403, "fresh_authentication_required", "This passkey registration was started for"
                    + " another account; confirm with a passkey of the account you are changing.");
        }
    }

    /** The bearer token, or none without an Authorization header; another scheme is refused. */
    private static Optional<String> token(Context ctx) {
        String header = ctx.header("Authorization");
        if (header == null || header.isBlank()) {
            return Optional.empty();
        }
        if (!header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            throw new TokenService.InvalidTokenException("use 'Authorization: Bearer <token>'");
        }
        return Optional.of(header.substring(7).trim());
    }

    private boolean isAccessToken(String token, Instant now) {
        try {
            tokens.verify(token, now);
            return true;
        } catch (TokenService.InvalidTokenException e) {
            return false;
        }
    }

    private UserAccount account(String subject) {
        return store.findUserById(subject).orElseThrow(() ->
                new TokenService.InvalidTokenException("the account no longer exists"));
    }

    private static ApiException missing(Context ctx, String message) {
        ctx.header("WWW-Authenticate", "Bearer");
        return new ApiException(401, "unauthorized", message);
    }
}
