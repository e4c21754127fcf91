package io.github.webauthnkit.server.http;

import io.github.webauthnkit.server.storage.CredentialStore;
import io.github.webauthnkit.server.storage.UserAccount;
import io.github.webauthnkit.server.tokens.TokenService;
import io.javalin.http.Context;
import java.time.Instant;
import java.util.Optional;

/** The account a request is signed in as, by the access token in its Authorization header. */
final class BearerAuth {
    private final TokenService tokens;
    private final CredentialStore store;

    BearerAuth(TokenService tokens, CredentialStore store) {
        this.tokens = tokens;
        this.store = store;
    }

    /**
     * The signed-in account, or none without an Authorization header; a header that is not a valid bearer token of
     * an existing account is refused ({@link TokenService.InvalidTokenException}).
     */
    Optional<UserAccount> signedIn(Context ctx) {
        String header = ctx.header("Authorization");
        if (header == null || header.isBlank()) {
            return Optional.empty();
        }
        if (!header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            throw new TokenService.InvalidTokenException("use 'Authorization: Bearer <token>'");
        }
        String subject = tokens.verify(header.substring(7).trim(), Instant.now()).getSubject();
        return Optional.of(store.findUserById(subject).orElseThrow(() ->
                new TokenService.InvalidTokenException("the account no longer exists")));
    }

    /** The signed-in account; a request without a token gets a 401 asking for one. */
    UserAccount require(Context ctx) {
        return signedIn(ctx).orElseThrow(() -> {
            ctx.header("WWW-Authenticate", "Bearer");
            return new ApiException(401, "unauthorized", "Sign in first: this request needs a bearer token.");
        });
    }
}
