package io.github.webauthnkit.keys.mojo;

import io.github.webauthnkit.keys.core.Durations;
import io.github.webauthnkit.keys.core.KeyAlgorithm;
import io.github.webauthnkit.keys.core.KeyExports;
import io.github.webauthnkit.keys.core.KeyRing;
import io.github.webauthnkit.keys.core.KeyRingException;
import io.github.webauthnkit.keys.core.RotationPolicy;
import java.io.File;
import java.nio.file.Path;
import java.time.Instant;
import org.apache.maven.plugin.AbstractMojo;
import org.apache.maven.plugin.MojoExecutionException;
import org.apache.maven.plugin.MojoFailureException;
import org.apache.maven.plugins.annotations.Parameter;

/**
 * Parameters and failure handling shared by the goals. Failures follow one rule: a {@link KeyRingException} is
 * something the user can fix in the project and becomes a {@link MojoFailureException}; anything else is
 * unexpected and becomes a {@link MojoExecutionException}. The cause is always kept.
 */
abstract class AbstractKeysMojo extends AbstractMojo {

    /** The project's base directory; messages show paths relative to it. */
    @Parameter(defaultValue = "${project.basedir}", readonly = true, required = true)
    protected File basedir;

    /** The key ring: a JWKS of private signing keys, kept 0600 and git-ignored. */
    @Parameter(property = "webauthn.keys.ringFile", defaultValue = "${project.basedir}/docker/secrets/jwt_signing_keys.json")
    protected File ringFile;

    /** Where the current signing key's public half is written as SubjectPublicKeyInfo PEM. */
    @Parameter(property = "webauthn.keys.publicKeyFile", defaultValue = "${project.basedir}/config/webauthn-public-key.pem")
    protected File publicKeyFile;

    /** Where the public JWKS (every key a verifier may meet) is written. */
    @Parameter(property = "webauthn.keys.jwksFile", defaultValue = "${project.basedir}/config/webauthn-jwks.json")
    protected File jwksFile;

    /**
     * Whether the PEM export is kept up to date. When false no goal writes the PEM: {@code export-key} does nothing
     * for a local ring and writes only the JWKS from a server or file, {@code rotate} / {@code generate-secrets}
     * refresh only the JWKS.
     */
    @Parameter(property = "webauthn.keys.exportPublicKey", defaultValue = "true")
    protected boolean exportPublicKey;

    @Override
    public final void execute() throws MojoExecutionException, MojoFailureException {
        if (isSkipped()) {
            getLog().info("Skipping " + goal() + ": " + skipProperty() + " is true.");
            return;
        }
        try {
            run();
        } catch (KeyRingException e) {
            throw new MojoFailureException(e.getMessage(), e);
        } catch (RuntimeException e) {
            throw new MojoExecutionException(goal() + " failed unexpectedly: " + e, e);
        }
    }

    protected abstract String goal();

    protected abstract String skipProperty();

    protected abstract boolean isSkipped();

    protected abstract void run() throws KeyRingException, MojoFailureException;

    protected Path base() {
        return basedir.toPath();
    }

    protected static Instant now() {
        return Instant.now();
    }

    /** Rewrites the public exports from the ring, logging each file as written or unchanged. */
    protected void refreshExports(KeyRing ring, Instant now) throws KeyRingException {
        if (exportPublicKey) {
            getLog().info(KeyExports.writePublicKey(ring, now, publicKeyFile.toPath()).describe("public key"));
        }
        getLog().info(KeyExports.writeJwks(ring, now, jwksFile.toPath()).describe("JWKS"));
    }

    /** The policy for new keys, from the goal's parameters, validated with messages that name the property. */
    protected static RotationPolicy policy(String algorithm, int rsaBits, String publishAhead, String tokenTtl,
                                           String clockSkew) throws KeyRingException {
        KeyAlgorithm alg = KeyAlgorithm.parse(algorithm);
        if (rsaBits < KeyAlgorithm.MIN_RSA_BITS) {
            throw new KeyRingException("webauthn.keys.rsaBits=" + rsaBits + " is refused: RSA keys must have at least "
                    + KeyAlgorithm.MIN_RSA_BITS + " bits.");
        }
        return new RotationPolicy(alg, rsaBits,
                Durations.parse("webauthn.keys.publishAhead", publishAhead),
                Durations.parse("webauthn.keys.tokenTtl", tokenTtl),
                Durations.parse("webauthn.keys.clockSkew", clockSkew));
    }
}
