package io.github.webauthnkit.server.http;

import io.github.webauthnkit.server.ceremonies.CeremonyException;
import io.github.webauthnkit.server.ceremonies.Usernames;
import io.github.webauthnkit.server.extension.AuthEvent;
import io.github.webauthnkit.server.http.ResponseBodies.CredentialList;
import io.github.webauthnkit.server.http.ResponseBodies.CredentialView;
import io.github.webauthnkit.server.storage.CredentialStore;
import io.github.webauthnkit.server.storage.UserAccount;
import io.javalin.http.Context;

/**
 * The routes of the signed-in user's passkeys: list them with the access token, rename and delete them with a
 * management token only.
 */
final class CredentialRoutes {
    private final CredentialStore store;
    private final RequestBodies bodies;
    private final BearerAuth bearer;
    private final AuthEvents events;
    private final ClientAddress clientAddress;

    CredentialRoutes(CredentialStore store, RequestBodies bodies, BearerAuth bearer, AuthEvents events,
                     ClientAddress clientAddress) {
        this.store = store;
        this.bodies = bodies;
        this.bearer = bearer;
        this.events = events;
        this.clientAddress = clientAddress;
    }

    void list(Context ctx) {
        UserAccount user = bearer.require(ctx);
        ctx.header("Cache-Control", "no-store");
        ctx.json(new CredentialList(store.credentialsOf(user.id()).stream().map(CredentialView::of).toList()));
    }

    void rename(Context ctx) {
        UserAccount user = bearer.requireManager(ctx);
        String name;
        try {
            name = Usernames.credentialName(RequestBodies.rename(bodies.read(ctx)).name());
        } catch (CeremonyException e) {
            throw new ApiException(400, "invalid_request", e.getMessage());
        }
        String id = ctx.pathParam("id");
        if (!store.rename(user.id(), id, name)) {
            throw noSuchPasskey();
        }
        events.success(AuthEvent.Type.PASSKEY_RENAMED, "credential_rename", user.id(), user.username(), id,
                clientAddress.of(ctx));
        ctx.json(CredentialView.of(store.findCredential(id).orElseThrow()));
    }

    void delete(Context ctx) {
        UserAccount user = bearer.requireManager(ctx);
        String id = ctx.pathParam("id");
        switch (store.delete(user.id(), id)) {
            case DELETED -> {
                events.success(AuthEvent.Type.PASSKEY_REMOVED, "credential_delete", user.id(), user.username(), id,
                        clientAddress.of(ctx));
                ctx.status(204);
            }
            case NOT_FOUND -> throw noSuchPasskey();
            case LAST_CREDENTIAL -> throw new ApiException(409, "last_credential",
                    "This is your only passkey; add another one before deleting it.");
        }
    }

    private static ApiException noSuchPasskey() {
        return new ApiException(404, "not_found", "You have no passkey with this id.");
    }
}
