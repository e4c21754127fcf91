package io.github.webauthnkit.keys.mojo;

import io.github.webauthnkit.keys.core.Durations;
import io.github.webauthnkit.keys.core.KeyRingException;
import io.github.webauthnkit.keys.secrets.SecretChecker;
import io.github.webauthnkit.keys.secrets.SecretLayout;
import java.io.File;
import java.util.List;
import org.apache.maven.plugin.MojoFailureException;
import org.apache.maven.plugins.annotations.LifecyclePhase;
import org.apache.maven.plugins.annotations.Mojo;
import org.apache.maven.plugins.annotations.Parameter;

/**
 * Checks the project's secret hygiene and lists every finding at once: missing or empty secret files; passwords
 * shorter than 24 characters or drawn from fewer than 10 distinct characters; secret files readable by group or
 * others; secrets tracked by git or not covered by a {@code .gitignore}; a private JWK member or a {@code PRIVATE KEY}
 * PEM anywhere under {@code config/}; public exports that do not match the ring (an export that is only behind the
 * ring's schedule, a superseded key in the PEM or an expired key in the JWKS, is a warning: the export goals refresh
 * it at {@code generate-resources}); a Compose file under {@code docker/}
 * that passes a secret as a plain {@code environment:} value; keys weaker than the ring's rules (RSA below 2048 bits,
 * HMAC, a curve that does not match the algorithm); a signing key older than {@code webauthn.keys.rotationInterval}
 * with no successor staged.
 *
 * <p>It fails the build by default; {@code -Dwebauthn.secrets.warnOnly=true} logs the findings as warnings instead.
 *
 * <p>Example: {@code mvn webauthn-keys:check-secrets}
 */
@Mojo(name = "check-secrets", defaultPhase = LifecyclePhase.VALIDATE, threadSafe = true)
public class CheckSecretsMojo extends AbstractKeysMojo {

    /** The directory of the password files and the ring. */
    @Parameter(property = "webauthn.secrets.dir", defaultValue = "${project.basedir}/docker/secrets")
    private File secretsDir;

    /** Names of the password files inside {@code webauthn.secrets.dir}. */
    @Parameter(property = "webauthn.secrets.passwordFiles", defaultValue = "postgres_password,redis_password")
    private List<String> passwordFiles;

    /** The directory of public material, which must never hold a private key. */
    @Parameter(property = "webauthn.secrets.configDir", defaultValue = "${project.basedir}/config")
    private File configDir;

    /** The directory whose Compose files ({@code *.yml}, {@code *.yaml}) are checked for secrets in {@code environment:}. */
    @Parameter(property = "webauthn.secrets.composeDir", defaultValue = "${project.basedir}/docker")
    private File composeDir;

    /**
     * How long a signing key may sign: one created longer ago, with no next key staged by a rotation, is a finding.
     * A generated project sets it to its {@code keyRotationInterval}.
     */
    @Parameter(property = "webauthn.keys.rotationInterval", defaultValue = "180d")
    private String rotationInterval;

    /** Log findings as warnings instead of failing the build. */
    @Parameter(property = "webauthn.secrets.warnOnly", defaultValue = "false")
    private boolean warnOnly;

    /** Skips this goal. */
    @Parameter(property = "webauthn.secrets.skipCheck", defaultValue = "false")
    private boolean skip;

    @Override
    protected String goal() {
        return "check-secrets";
    }

    @Override
    protected String skipProperty() {
        return "webauthn.secrets.skipCheck";
    }

    @Override
    protected boolean isSkipped() {
        return skip;
    }

    @Override
    protected void run() throws KeyRingException, MojoFailureException {
        SecretLayout layout = new SecretLayout(base(), secretsDir.toPath(), passwordFiles, ringFile.toPath(),
                configDir.toPath(), composeDir.toPath(), exportPublicKey ? publicKeyFile.toPath() : null,
                jwksFile.toPath());
        SecretChecker.Report report = SecretChecker.inspect(layout, now(),
                Durations.parse("webauthn.keys.rotationInterval", rotationInterval));
        report.notices().forEach(notice -> getLog().warn(notice));
        List<String> findings = report.findings();
        if (findings.isEmpty()) {
            getLog().info("Secrets OK: " + passwordFiles.size() + " password files and the key ring in "
                    + layout.show(secretsDir.toPath()) + " are present, strong, 0600 and git-ignored; public exports"
                    + (report.notices().isEmpty() ? " match the ring." : " hold only keys of the ring."));
            return;
        }
        String message = "check-secrets found " + findings.size() + " problem" + (findings.size() == 1 ? "" : "s")
                + ":\n  - " + String.join("\n  - ", findings);
        if (warnOnly) {
            getLog().warn(message + "\n(webauthn.secrets.warnOnly is true, so the build goes on.)");
            return;
        }
        throw new MojoFailureException(message);
    }
}
