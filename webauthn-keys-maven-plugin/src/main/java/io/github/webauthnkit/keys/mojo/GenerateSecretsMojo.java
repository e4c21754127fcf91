package io.github.webauthnkit.keys.mojo;

import io.github.webauthnkit.keys.core.KeyRingException;
import io.github.webauthnkit.keys.core.KeyRingFile;
import io.github.webauthnkit.keys.secrets.SecretGenerator;
import io.github.webauthnkit.keys.secrets.SecretLayout;
import java.io.File;
import java.time.Instant;
import java.util.List;
import java.util.stream.Collectors;
import org.apache.maven.plugins.annotations.LifecyclePhase;
import org.apache.maven.plugins.annotations.Mojo;
import org.apache.maven.plugins.annotations.Parameter;

/**
 * Creates whatever secret is missing, never rewriting one that exists: each password file (40 characters from the
 * platform's CSPRNG), the key ring with its first signing key, and a {@code .gitignore} in the secrets directory. All
 * secret files are 0600. When it creates the ring it also refreshes the public exports, so they match the new key.
 * Bound to {@code validate}, this is how a fresh clone of a project (whose secrets are git-ignored) becomes runnable.
 *
 * <p>Example: {@code mvn webauthn-keys:generate-secrets -Dwebauthn.keys.algorithm=ES256}
 */
@Mojo(name = "generate-secrets", defaultPhase = LifecyclePhase.VALIDATE, threadSafe = true)
public class GenerateSecretsMojo extends AbstractNewKeyMojo {

    /** The directory of the password files and the ring. */
    @Parameter(property = "webauthn.secrets.dir", defaultValue = "${project.basedir}/docker/secrets")
    private File secretsDir;

    /** Names of the password files inside {@code webauthn.secrets.dir}. */
    @Parameter(property = "webauthn.secrets.passwordFiles", defaultValue = "postgres_password,redis_password")
    private List<String> passwordFiles;

    /** Skips this goal. */
    @Parameter(property = "webauthn.secrets.skipGenerate", defaultValue = "false")
    private boolean skip;

    @Override
    protected String goal() {
        return "generate-secrets";
    }

    @Override
    protected String skipProperty() {
        return "webauthn.secrets.skipGenerate";
    }

    @Override
    protected boolean isSkipped() {
        return skip;
    }

    @Override
    protected void run() throws KeyRingException {
        Instant now = now();
        SecretLayout layout = new SecretLayout(base(), secretsDir.toPath(), passwordFiles, ringFile.toPath(),
                null, null, publicKeyFile.toPath(), jwksFile.toPath());
        SecretGenerator.Result result = SecretGenerator.generate(layout, policy(), now);
        if (result.created().isEmpty()) {
            getLog().info("All secrets present in " + layout.show(secretsDir.toPath()) + "; nothing created.");
            return;
        }
        getLog().info("Created " + result.created().stream().map(layout::show).collect(Collectors.joining(", "))
                + " (secrets 0600)" + (result.ringKey() == null ? "" : "; first signing key " + result.ringKey()) + ".");
        if (result.ringKey() != null) {
            new KeyRingFile(ringFile.toPath()).update(current -> {
                refreshExports(current, now);
                return null;
            });
        }
    }

}
