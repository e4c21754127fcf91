package io.github.webauthnkit.keys.mojo;

import com.nimbusds.jose.jwk.JWK;
import io.github.webauthnkit.keys.core.Durations;
import io.github.webauthnkit.keys.core.KeyRingException;
import io.github.webauthnkit.keys.core.RemoteJwks;
import java.io.File;
import java.util.List;
import org.apache.maven.plugins.annotations.Parameter;

/** Parameters of the goals that can take their keys from a running server's JWKS instead of a local ring. */
abstract class AbstractExportMojo extends AbstractKeysMojo {

    /**
     * URL of a running server's JWKS, for example {@code https://auth.example.com/.well-known/jwks.json}. When set,
     * the keys come from there (validated: public keys only, allowed algorithms, unique kids) instead of a ring.
     */
    @Parameter(property = "webauthn.keys.jwksUrl")
    protected String jwksUrl;

    /** A JWKS file to take the keys from instead of a ring, validated like {@code jwksUrl}. */
    @Parameter(property = "webauthn.keys.jwksSource")
    protected File jwksSource;

    /** Connect and read timeout for {@code jwksUrl}. */
    @Parameter(property = "webauthn.keys.fetchTimeout", defaultValue = "10s")
    protected String fetchTimeout;

    /**
     * Accept a plain {@code http://} {@code jwksUrl} for a host other than localhost. Off by default: over plain http
     * anyone on the network path could substitute their own keys.
     */
    @Parameter(property = "webauthn.keys.allowHttp", defaultValue = "false")
    protected boolean allowHttp;

    protected boolean remote() {
        return (jwksUrl != null && !jwksUrl.isBlank()) || jwksSource != null;
    }

    protected String remoteName() {
        return jwksUrl != null && !jwksUrl.isBlank() ? jwksUrl.trim() : jwksSource.toString();
    }

    /** The validated keys of {@code jwksUrl} or {@code jwksSource}. */
    protected List<JWK> remoteKeys() throws KeyRingException {
        if (jwksUrl != null && !jwksUrl.isBlank()) {
            if (jwksSource != null) {
                throw new KeyRingException("Set either webauthn.keys.jwksUrl or webauthn.keys.jwksSource, not both.");
            }
            return RemoteJwks.fetch(jwksUrl, Durations.parse("webauthn.keys.fetchTimeout", fetchTimeout), allowHttp);
        }
        return RemoteJwks.read(jwksSource.toPath());
    }
}
