package io.github.webauthnkit.server.http;

import io.github.webauthnkit.server.extension.AuthEvent;
import io.github.webauthnkit.server.extension.AuthEventListener;
import java.time.Instant;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Authentication events: logged as structured lines (JSON through logback) and handed to the project's listeners.
 * What happened, to which account, from where, and why it failed; never a token, a secret, a challenge or a
 * credential response.
 */
final class AuthEvents {
    private static final Logger LOG = LoggerFactory.getLogger("webauthn.events");

    private final List<AuthEventListener> listeners;

    AuthEvents(List<AuthEventListener> listeners) {
        this.listeners = List.copyOf(listeners);
    }

    /**
     * @param event the log's event name (registration, authentication, credential_rename ...)
     */
    void success(AuthEvent.Type type, String event, String userId, String username, String credentialId,
                 String address) {
        LOG.atInfo().addKeyValue("event", event).addKeyValue("outcome", "success").addKeyValue("user_id", userId)
                .addKeyValue("username", username).addKeyValue("credential_id", credentialId)
                .addKeyValue("client", address).log(event + " succeeded");
        publish(new AuthEvent(type, Instant.now(), userId, username, credentialId, address, null));
    }

    void failure(AuthEvent.Type type, String event, String reason, String username, String address) {
        var line = LOG.atWarn().addKeyValue("event", event).addKeyValue("outcome", "failure").addKeyValue("reason", reason);
        if (username != null) {
            line = line.addKeyValue("username", username);
        }
        line.addKeyValue("client", address).log(event + " failed: " + reason);
        publish(new AuthEvent(type, Instant.now(), null, username, null, address, reason));
    }

    private void publish(AuthEvent event) {
        for (AuthEventListener listener : listeners) {
            try {
                listener.onEvent(event);
            } catch (RuntimeException e) {
                LOG.error("Event listener {} failed on {}; the request went on: {}", listener.getClass().getName(),
                        event.type(), e.toString());
            }
        }
    }
}
