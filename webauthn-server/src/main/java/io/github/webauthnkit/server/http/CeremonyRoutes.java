package io.github.webauthnkit.server.http;

import io.github.webauthnkit.server.ceremonies.AuthenticationCeremony;
import io.github.webauthnkit.server.ceremonies.RegistrationCeremony;
import io.github.webauthnkit.server.extension.AuthEvent;
import io.github.webauthnkit.server.http.RequestBodies.CompleteRequest;
import io.github.webauthnkit.server.http.RequestBodies.RegisterStartRequest;
import io.github.webauthnkit.server.http.ResponseBodies.CeremonyStarted;
import io.github.webauthnkit.server.http.ResponseBodies.ManagementTokenResponse;
import io.github.webauthnkit.server.http.ResponseBodies.RegistrationDone;
import io.github.webauthnkit.server.http.ResponseBodies.TokenResponse;
import io.github.webauthnkit.server.storage.UserAccount;
import io.github.webauthnkit.server.tokens.TokenService;
import com.fasterxml.jackson.databind.JsonNode;
import io.javalin.http.Context;
import java.time.Instant;
import java.util.Optional;

/**
 * The routes of the ceremonies, each step run by the {@link CeremonyGuard}: registration (a new account, or a passkey
 * added to the account of a management token), authentication, which ends with an access token, and the account
 * ceremony, which confirms the signed-in account with one of its passkeys again and ends with a management token.
 */
final class CeremonyRoutes {
    private final RegistrationCeremony registration;
    private final AuthenticationCeremony authentication;
    private final TokenService tokens;
    private final RequestBodies bodies;
    private final BearerAuth bearer;
    private final CeremonyGuard guard;
    private final AuthEvents events;
    private final ClientAddress clientAddress;

    CeremonyRoutes(RegistrationCeremony registration, AuthenticationCeremony authentication, TokenService tokens,
                   RequestBodies bodies, BearerAuth bearer, CeremonyGuard guard, AuthEvents events,
                   ClientAddress clientAddress) {
        this.registration = registration;
        this.authentication = authentication;
        this.tokens = tokens;
        this.bodies = bodies;
        this.bearer = bearer;
        this.guard = guard;
        this.events = events;
        this.clientAddress = clientAddress;
    }

    void registerStart(Context ctx) {
        guard.run(ctx, "registration", "start", null, () -> {
            JsonNode body = bodies.read(ctx);
            Optional<UserAccount> signedIn = bearer.manager(ctx);
            RegisterStartRequest request = RequestBodies.registerStart(body, signedIn.isPresent());
            RegistrationCeremony.Started started = registration.start(request.username(), request.displayName(),
                    signedIn, CeremonyGuard.client(ctx));
            ctx.json(new CeremonyStarted(started.requestId(), started.publicKey()));
        });
    }

    void registerComplete(Context ctx) {
        guard.run(ctx, "registration", "complete", null, () -> {
            CompleteRequest request = RequestBodies.complete(bodies.read(ctx));
            RegistrationCeremony.Completed done = registration.complete(request.requestId(), request.credential(),
                    accountId -> bearer.requireManagerOf(ctx, accountId));
            events.success(done.newAccount() ? AuthEvent.Type.REGISTERED : AuthEvent.Type.PASSKEY_ADDED,
                    "registration", done.user().id(), done.user().username(), done.credential().id(),
                    clientAddress.of(ctx));
            ctx.status(201).json(new RegistrationDone(done.user().id(), done.credential().id()));
        });
    }

    void authenticateStart(Context ctx) {
        // Read ahead of the guard: the username's own rate limit applies to this step.
        String requested = RequestBodies.authenticateStart(bodies.read(ctx)).username();
        Optional<String> username = AuthenticationCeremony.username(Optional.ofNullable(requested));
        guard.run(ctx, "authentication", "start", username.orElse(null), () -> {
            AuthenticationCeremony.Started started = authentication.start(username, CeremonyGuard.client(ctx));
            ctx.json(new CeremonyStarted(started.requestId(), started.publicKey()));
        });
    }

    void authenticateComplete(Context ctx) {
        guard.run(ctx, "authentication", "complete", null, () -> {
            CompleteRequest request = RequestBodies.complete(bodies.read(ctx));
            AuthenticationCeremony.Completed done = authentication.complete(request.requestId(),
                    request.credential());
            TokenService.Issued token = tokens.issue(done.user(), done.userVerified(), Instant.now());
            events.success(AuthEvent.Type.SIGNED_IN, "authentication", done.user().id(), done.user().username(),
                    done.credential().id(), clientAddress.of(ctx));
            ctx.header("Cache-Control", "no-store");
            ctx.json(new TokenResponse(token.token(), "Bearer", token.expiresIn()));
        });
    }

    void accountStart(Context ctx) {
        guard.run(ctx, AuthenticationCeremony.ACCOUNT, "start", null, () -> {
            bodies.read(ctx);
            AuthenticationCeremony.Started started = authentication.startForAccount(bearer.require(ctx),
                    CeremonyGuard.client(ctx));
            ctx.json(new CeremonyStarted(started.requestId(), started.publicKey()));
        });
    }

    void accountComplete(Context ctx) {
        guard.run(ctx, AuthenticationCeremony.ACCOUNT, "complete", null, () -> {
            CompleteRequest request = RequestBodies.complete(bodies.read(ctx));
            AuthenticationCeremony.Completed done = authentication.completeForAccount(request.requestId(),
                    request.credential(), bearer.require(ctx));
            TokenService.Issued token = tokens.issueManagement(done.user(), Instant.now());
            events.success(AuthEvent.Type.REAUTHENTICATED, AuthenticationCeremony.ACCOUNT, done.user().id(),
                    done.user().username(), done.credential().id(), clientAddress.of(ctx));
            ctx.header("Cache-Control", "no-store");
            ctx.json(new ManagementTokenResponse(token.token(), token.expiresIn()));
        });
    }
}
