package io.github.webauthnkit.server.extension;

/**
 * Receives every {@link AuthEvent}, for an audit trail, alerts or a user's security page. Called on the request
 * thread after the server has decided: a listener cannot change the outcome, and an exception it throws is logged
 * and ignored. Keep it quick, and hand slow work (a remote audit service) to a queue of its own.
 */
@FunctionalInterface
public interface AuthEventListener {
    void onEvent(AuthEvent event);
}
