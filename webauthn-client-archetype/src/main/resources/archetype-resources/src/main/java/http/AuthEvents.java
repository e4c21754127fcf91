package ${package}.http;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Structured authentication events (JSON lines through logback): what happened, to which account, from where, and
 * why it failed. Never a token, a secret, a challenge or a credential response.
 */
final class AuthEvents {
    private static final Logger LOG = LoggerFactory.getLogger("webauthn.events");

    private AuthEvents() {
    }

    static void success(String event, String userId, String username, String credentialId, String address) {
        LOG.atInfo().addKeyValue("event", event).addKeyValue("outcome", "success").addKeyValue("user_id", userId)
                .addKeyValue("username", username).addKeyValue("credential_id", credentialId)
                .addKeyValue("client", address).log(event + " succeeded");
    }

    static void failure(String event, String reason, String username, String address) {
        var line = LOG.atWarn().addKeyValue("event", event).addKeyValue("outcome", "failure").addKeyValue("reason", reason);
        if (username != null) {
            line = line.addKeyValue("username", username);
        }
        line.addKeyValue("client", address).log(event + " failed: " + reason);
    }
}
