package io.github.webauthnkit.keys.secrets;

import java.nio.file.Path;
import java.util.List;

/**
 * Where a project keeps its secrets and public exports.
 *
 * @param projectDir     the project's base directory (findings show paths relative to it)
 * @param secretsDir     the directory of the password files and the ring ({@code docker/secrets})
 * @param passwordFiles  names of the password files inside {@code secretsDir}
 * @param ringFile       the key ring
 * @param configDir      the directory of public material that must never hold a private key ({@code config})
 * @param composeDir     the directory whose Compose files are checked ({@code docker}); may not exist
 * @param publicKeyFile  the exported PEM, or {@code null} when the project does not export one
 * @param jwksFile       the exported JWKS
 */
public record SecretLayout(Path projectDir, Path secretsDir, List<String> passwordFiles, Path ringFile, Path configDir,
                           Path composeDir, Path publicKeyFile, Path jwksFile) {

    public static final List<String> DEFAULT_PASSWORD_FILES = List.of("postgres_password", "redis_password");

    /** The layout of a generated project. */
    public static SecretLayout defaults(Path projectDir) {
        Path secrets = projectDir.resolve("docker/secrets");
        return new SecretLayout(projectDir, secrets, DEFAULT_PASSWORD_FILES, secrets.resolve("jwt_signing_keys.json"),
                projectDir.resolve("config"), projectDir.resolve("docker"),
                projectDir.resolve("config/webauthn-public-key.pem"), projectDir.resolve("config/webauthn-jwks.json"));
    }

    public List<Path> passwordPaths() {
        return passwordFiles.stream().map(secretsDir::resolve).toList();
    }

    /** A path as the user sees it: relative to the project when inside it. */
    public String show(Path path) {
        Path abs = path.toAbsolutePath().normalize();
        Path base = projectDir.toAbsolutePath().normalize();
        return abs.startsWith(base) ? base.relativize(abs).toString() : abs.toString();
    }
}
