package io.github.webauthnkit.server.extension;

import io.github.webauthnkit.server.storage.UserAccount;
import java.util.Map;
import java.util.Set;

/**
 * Extra claims for the access token of a user who just signed in, such as roles or a tenant from the team's own
 * directory. Called once per sign-in, on the request thread: keep it quick.
 *
 * <p>The server's own claims stay the server's: a name in {@link #RESERVED} is refused (the sign-in fails with a 500
 * and an ERROR log naming the claim), so an extension can never change who a token is for, who issued it, for whom or
 * for how long. Values must be JSON values: strings, numbers, booleans, lists and maps of them.
 */
@FunctionalInterface
public interface TokenClaims {
    /** The claims the server sets itself, and the registered JWT claims it does not use. */
    Set<String> RESERVED = Set.of("iss", "sub", "aud", "exp", "nbf", "iat", "jti", "auth_time",
            "preferred_username", "amr", "acr", "azp", "cnf", "scope");

    /** Adds nothing. */
    TokenClaims NONE = account -> Map.of();

    /**
     * @param account the account that signed in ({@code id} is the token's {@code sub})
     * @return claim name to value, never null
     */
    Map<String, Object> claimsFor(UserAccount account);
}
