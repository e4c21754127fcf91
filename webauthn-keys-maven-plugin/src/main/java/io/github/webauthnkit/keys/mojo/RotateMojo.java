package io.github.webauthnkit.keys.mojo;

import com.nimbusds.jose.jwk.JWK;
import io.github.webauthnkit.keys.core.KeyRing;
import io.github.webauthnkit.keys.core.KeyRingException;
import io.github.webauthnkit.keys.core.KeyRingFile;
import io.github.webauthnkit.keys.core.RotationPolicy;
import io.github.webauthnkit.keys.core.SecureFiles;
import java.io.IOException;
import java.time.Instant;
import org.apache.maven.plugins.annotations.Mojo;
import org.apache.maven.plugins.annotations.Parameter;

/**
 * Rotates the JWT signing keys without downtime.
 *
 * <p>With no ring (or an empty one) it creates the first key, which signs at once. Otherwise it adds the next key,
 * published in the JWKS now and signing from {@code now + publishAhead}; sets the previous key's {@code exp} to the
 * moment its last token expires ({@code nbf} of the new key + {@code tokenTtl} + {@code clockSkew}); drops keys whose
 * {@code exp} has passed; and refreshes the public PEM and JWKS.
 *
 * <p>With {@code -Dwebauthn.keys.revoke=<kid>} it is the emergency path: that key is removed from the ring and the
 * JWKS at once (its tokens stop verifying as soon as verifiers refresh) and a new key signs immediately.
 *
 * <p>Example: {@code mvn webauthn-keys:rotate -Dwebauthn.keys.algorithm=ES256}
 */
@Mojo(name = "rotate", threadSafe = true)
public class RotateMojo extends AbstractNewKeyMojo {

    /** Key id to revoke at once (emergency path). Unknown ids fail the build and change nothing. */
    @Parameter(property = "webauthn.keys.revoke")
    private String revoke;

    /** Skips this goal. */
    @Parameter(property = "webauthn.keys.skipRotate", defaultValue = "false")
    private boolean skip;

    @Override
    protected String goal() {
        return "rotate";
    }

    @Override
    protected String skipProperty() {
        return "webauthn.keys.skipRotate";
    }

    @Override
    protected boolean isSkipped() {
        return skip;
    }

    @Override
    protected void run() throws KeyRingException {
        RotationPolicy policy = policy();
        Instant now = now();
        KeyRingFile file = new KeyRingFile(ringFile.toPath());
        boolean revoking = revoke != null && !revoke.isBlank();
        KeyRing.Rotation rotation = file.update(current -> revoking
                ? current.revoke(revoke.trim(), now, policy)
                : current.rotate(now, policy));
        ensureGitignore(file);
        JWK added = rotation.added();
        for (JWK dropped : rotation.dropped()) {
            getLog().info("Dropped expired key " + dropped.getKeyID() + ".");
        }
        if (rotation.revoked() != null) {
            getLog().warn("Revoked key " + rotation.revoked().getKeyID() + ": removed from " + file.path()
                    + "; tokens it signed fail as soon as verifiers refresh their JWKS.");
        }
        if (!added.getNotBeforeTime().toInstant().isAfter(now)) {
            getLog().info("Wrote " + file.path() + ": new " + policy.algorithm() + " key " + added.getKeyID()
                    + " signs now.");
        } else {
            getLog().info("Wrote " + file.path() + ": new " + policy.algorithm() + " key " + added.getKeyID()
                    + " is published now and signs from " + added.getNotBeforeTime().toInstant() + ".");
        }
        // Under the ring's lock and from the ring as it is now: a concurrent rotation may have added a key since.
        file.update(current -> {
            refreshExports(current, now);
            return null;
        });
    }

    private void ensureGitignore(KeyRingFile file) throws KeyRingException {
        try {
            if (SecureFiles.ensureSecretsGitignore(file.path().getParent())) {
                getLog().info("Wrote " + file.path().getParent().resolve(".gitignore") + " so the secrets stay out of git.");
            }
        } catch (IOException e) {
            throw new KeyRingException("Cannot write .gitignore next to " + file.path() + ": " + e.getMessage(), e);
        }
    }
}
