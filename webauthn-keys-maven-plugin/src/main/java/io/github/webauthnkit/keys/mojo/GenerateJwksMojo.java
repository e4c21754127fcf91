package io.github.webauthnkit.keys.mojo;

import io.github.webauthnkit.keys.core.KeyExports;
import io.github.webauthnkit.keys.core.KeyRingException;
import io.github.webauthnkit.keys.core.KeyRingFile;
import org.apache.maven.plugins.annotations.LifecyclePhase;
import org.apache.maven.plugins.annotations.Mojo;
import org.apache.maven.plugins.annotations.Parameter;

/**
 * Writes the public JWKS ({@code config/webauthn-jwks.json}): every key a verifier may meet, including a next key
 * published ahead of its start, in a fixed order, with {@code kid}, {@code kty}, {@code alg}, {@code use} and the time
 * members, and never a private member. With {@code webauthn.keys.jwksUrl} or {@code webauthn.keys.jwksSource} it
 * re-fetches and validates a remote JWKS instead. Unchanged files are left untouched.
 *
 * <p>Example: {@code mvn webauthn-keys:generate-jwks}
 */
@Mojo(name = "generate-jwks", defaultPhase = LifecyclePhase.GENERATE_RESOURCES, threadSafe = true)
public class GenerateJwksMojo extends AbstractExportMojo {

    /** Skips this goal. */
    @Parameter(property = "webauthn.keys.skipGenerateJwks", defaultValue = "false")
    private boolean skip;

    @Override
    protected String goal() {
        return "generate-jwks";
    }

    @Override
    protected String skipProperty() {
        return "webauthn.keys.skipGenerateJwks";
    }

    @Override
    protected boolean isSkipped() {
        return skip;
    }

    @Override
    protected void run() throws KeyRingException {
        if (remote()) {
            getLog().info(KeyExports.writeJwks(remoteKeys(), jwksFile.toPath()).describe("JWKS") + " from "
                    + remoteName());
            return;
        }
        KeyRingFile ring = new KeyRingFile(ringFile.toPath());
        getLog().info(KeyExports.writeJwks(ring.readExisting(), now(), jwksFile.toPath()).describe("JWKS"));
    }
}
