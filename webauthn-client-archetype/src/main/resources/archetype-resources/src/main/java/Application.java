package ${package};

import io.github.webauthnkit.server.WebAuthnServer;
import io.github.webauthnkit.server.extension.AuthEvent;
import io.github.webauthnkit.server.extension.AuthEventListener;
import io.github.webauthnkit.server.extension.TokenClaims;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts this project's passkey server. The ceremonies, tokens, storage and HTTP API come from the webauthn-server
 * library (its version is the webauthn-kit.version property of pom.xml); what this team owns is here:
 * <ul>
 *   <li>{@link #TOKEN_CLAIMS}: extra claims for every access token, computed from the account;</li>
 *   <li>{@link #ACCOUNT_CHANGES}: a listener for authentication events;</li>
 *   <li>the web client's look: src/main/resources/static/theme.css (any file under static/ replaces the
 *       library's file of the same name).</li>
 * </ul>
 * Configuration comes from WEBAUTHN_* environment variables over src/main/resources/webauthn-defaults.properties.
 */
public final class Application {
    private static final Logger AUDIT = LoggerFactory.getLogger("${package}.audit");

    /**
     * Claims your APIs read besides the server's own (sub, preferred_username, iss, aud ...). Look the account up in
     * your own directory here; keep it quick, it runs on every sign-in.
     */
    static final TokenClaims TOKEN_CLAIMS = account -> Map.of("roles", List.of("user"));

    /** Passkeys added to or removed from an account: the events a user's security notifications are made of. */
    static final AuthEventListener ACCOUNT_CHANGES = event -> {
        if (event.type() == AuthEvent.Type.PASSKEY_ADDED || event.type() == AuthEvent.Type.PASSKEY_REMOVED) {
            AUDIT.atInfo().addKeyValue("event", event.type()).addKeyValue("user_id", event.userId())
                    .addKeyValue("credential_id", event.credentialId()).log("Passkeys of an account changed");
        }
    };

    private Application() {
    }

    /** The server with this project's extensions; the tests start it the same way. */
    static WebAuthnServer.Builder configure(WebAuthnServer.Builder builder) {
        return builder.tokenClaims(TOKEN_CLAIMS).eventListener(ACCOUNT_CHANGES);
    }

    public static void main(String[] args) {
        configure(WebAuthnServer.builder()).run();
    }
}
