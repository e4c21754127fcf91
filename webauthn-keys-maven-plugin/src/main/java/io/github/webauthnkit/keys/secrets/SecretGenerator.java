package io.github.webauthnkit.keys.secrets;

import io.github.webauthnkit.keys.core.KeyRing;
import io.github.webauthnkit.keys.core.KeyRingException;
import io.github.webauthnkit.keys.core.KeyRingFile;
import io.github.webauthnkit.keys.core.RotationPolicy;
import io.github.webauthnkit.keys.core.SecureFiles;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Creates the secrets a project lacks, never touching one that exists: how a fresh clone (whose secrets are
 * git-ignored) and a freshly generated project become runnable.
 */
public final class SecretGenerator {
    private SecretGenerator() {
    }

    /**
     * @param created  every file created, in order
     * @param ringKey  the kid of the first key when the ring was created, else {@code null}
     */
    public record Result(List<Path> created, String ringKey) {
    }

    public static Result generate(SecretLayout layout, RotationPolicy policy, Instant now) throws KeyRingException {
        List<Path> created = new ArrayList<>();
        try {
            if (SecureFiles.ensureSecretsGitignore(layout.secretsDir())) {
                created.add(layout.secretsDir().resolve(".gitignore"));
            }
            for (Path password : layout.passwordPaths()) {
                if (SecureFiles.createNew(password, Passwords.generate(), SecureFiles.OWNER_ONLY)) {
                    created.add(password);
                }
            }
        } catch (IOException e) {
            throw new KeyRingException("Cannot create secrets in " + layout.secretsDir() + ": " + e.getMessage(), e);
        }
        KeyRingFile ringFile = new KeyRingFile(layout.ringFile());
        String ringKey = null;
        if (!ringFile.exists()) {
            // Re-checked under the lock: a concurrent build may create the ring first.
            KeyRing.Rotation first = ringFile.update(current -> current.isEmpty() && !ringFile.exists()
                    ? current.rotate(now, policy) : null);
            if (first != null) {
                created.add(ringFile.path());
                ringKey = first.added().getKeyID();
            }
        }
        return new Result(List.copyOf(created), ringKey);
    }
}
