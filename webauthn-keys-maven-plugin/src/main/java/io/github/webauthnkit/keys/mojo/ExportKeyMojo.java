package io.github.webauthnkit.keys.mojo;

import com.nimbusds.jose.jwk.JWK;
import io.github.webauthnkit.keys.core.KeyExports;
import io.github.webauthnkit.keys.core.KeyRingException;
import io.github.webauthnkit.keys.core.KeyRingFile;
import io.github.webauthnkit.keys.core.RemoteJwks;
import java.time.Instant;
import java.util.List;
import org.apache.maven.plugins.annotations.LifecyclePhase;
import org.apache.maven.plugins.annotations.Mojo;
import org.apache.maven.plugins.annotations.Parameter;

/**
 * Writes the public key that verifiers pin, as SubjectPublicKeyInfo PEM ({@code config/webauthn-public-key.pem}).
 *
 * <p>In a project with a key ring it exports the key that signs now. In a project that only consumes tokens, set
 * {@code webauthn.keys.jwksUrl} (a running server's {@code /.well-known/jwks.json}) or {@code webauthn.keys.jwksSource}
 * (a JWKS file): the JWKS is fetched with timeouts, validated, and both the PEM of the key that signs now and the
 * JWKS itself are written. With {@code webauthn.keys.exportPublicKey} false no PEM is written: nothing for a ring, only
 * the JWKS for a server or file. Unchanged files are left untouched.
 *
 * <p>Example: {@code mvn webauthn-keys:export-key -Dwebauthn.keys.jwksUrl=https://auth.example.com/.well-known/jwks.json}
 */
@Mojo(name = "export-key", defaultPhase = LifecyclePhase.GENERATE_RESOURCES, threadSafe = true)
public class ExportKeyMojo extends AbstractExportMojo {

    /** Skips this goal. */
    @Parameter(property = "webauthn.keys.skipExportKey", defaultValue = "false")
    private boolean skip;

    @Override
    protected String goal() {
        return "export-key";
    }

    @Override
    protected String skipProperty() {
        return "webauthn.keys.skipExportKey";
    }

    @Override
    protected boolean isSkipped() {
        return skip;
    }

    @Override
    protected void run() throws KeyRingException {
        Instant now = now();
        if (remote()) {
            List<JWK> keys = remoteKeys();
            if (exportPublicKey) {
                JWK current = RemoteJwks.consumerKey(keys, now);
                getLog().info(KeyExports.writePublicKey(current, publicKeyFile.toPath()).describe("public key")
                        + " from " + remoteName());
            } else {
                getLog().info("export-key wrote no PEM: webauthn.keys.exportPublicKey is false.");
            }
            getLog().info(KeyExports.writeJwks(keys, jwksFile.toPath()).describe("JWKS") + " from " + remoteName());
            return;
        }
        if (!exportPublicKey) {
            getLog().info("export-key did nothing: webauthn.keys.exportPublicKey is false.");
            return;
        }
        KeyRingFile ring = new KeyRingFile(ringFile.toPath());
        getLog().info(KeyExports.writePublicKey(ring.readExisting(), now, publicKeyFile.toPath())
                .describe("public key"));
    }
}
