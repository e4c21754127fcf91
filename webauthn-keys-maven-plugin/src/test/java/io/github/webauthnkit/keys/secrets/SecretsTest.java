package io.github.webauthnkit.keys.secrets;

import io.github.webauthnkit.keys.core.KeyAlgorithm;
import io.github.webauthnkit.keys.core.KeyExports;
import io.github.webauthnkit.keys.core.KeyRing;
import io.github.webauthnkit.keys.core.KeyRingFile;
import io.github.webauthnkit.keys.core.RotationPolicy;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.jwk.JWK;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** generate-secrets and check-secrets on real project directories. */
class SecretsTest {
    private static final Instant NOW = Instant.now();
    private static final RotationPolicy POLICY = RotationPolicy.defaults(KeyAlgorithm.ES256);

    @TempDir
    Path project;

    private SecretLayout layout() {
        return SecretLayout.defaults(project);
    }

    /** A fresh project as generation leaves it: secrets created, exports written, compose file with secrets. */
    private void freshProject() throws Exception {
        SecretGenerator.generate(layout(), POLICY, NOW);
        KeyRing ring = new KeyRingFile(layout().ringFile()).readExisting();
        KeyExports.writePublicKey(ring, NOW, layout().publicKeyFile());
        KeyExports.writeJwks(ring, NOW, layout().jwksFile());
        Files.writeString(project.resolve("docker/docker-compose.yml"), """
                services:
                  postgres:
                    image: postgres:17.6
                    environment:
                      POSTGRES_PASSWORD_FILE: /run/secrets/postgres_password
                    secrets: [postgres_password]
                  server:
                    environment:
                      - WEBAUTHN_TOKEN_TTL=15m
                      - WEBAUTHN_DB_PASSWORD_FILE=/run/secrets/postgres_password
                secrets:
                  postgres_password:
                    file: ./secrets/postgres_password
                """);
    }

    @Test
    void generateCreatesExactlyTheMissingSecretsAndTheCheckThenPasses() throws Exception {
        Files.createDirectories(layout().secretsDir());
        String mine = "an-existing-password-of-the-team-0123456789";
        Files.writeString(layout().secretsDir().resolve("redis_password"), mine);
        Files.setPosixFilePermissions(layout().secretsDir().resolve("redis_password"),
                PosixFilePermissions.fromString("rw-------"));

        SecretGenerator.Result result = SecretGenerator.generate(layout(), POLICY, NOW);

        assertThat(result.created()).containsExactly(layout().secretsDir().resolve(".gitignore"),
                layout().secretsDir().resolve("postgres_password"), layout().ringFile());
        assertThat(result.ringKey()).isNotNull();
        assertThat(Files.readString(layout().secretsDir().resolve("redis_password"))).isEqualTo(mine);
        String password = Files.readString(layout().secretsDir().resolve("postgres_password"));
        assertThat(password).hasSize(40).matches("[A-Za-z0-9]+");
        for (Path secret : List.of(layout().secretsDir().resolve("postgres_password"), layout().ringFile())) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(secret))).isEqualTo("rw-------");
        }

        SecretGenerator.Result again = SecretGenerator.generate(layout(), POLICY, NOW);
        assertThat(again.created()).isEmpty();
        assertThat(Files.readString(layout().secretsDir().resolve("postgres_password"))).isEqualTo(password);

        freshProject();
        assertThat(SecretChecker.check(layout(), NOW)).isEmpty();
    }

    @Test
    void aNewSecretsDirectoryIsOwnerOnly() throws Exception {
        SecretGenerator.generate(layout(), POLICY, NOW);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(layout().secretsDir())))
                .isEqualTo("rwx------");
    }

    @Test
    void generatedPasswordsDiffer() {
        assertThat(Passwords.generate()).isNotEqualTo(Passwords.generate());
    }

    @Test
    void everyProblemIsListedAtOnce() throws Exception {
        freshProject();
        Path secrets = layout().secretsDir();
        Files.writeString(secrets.resolve("postgres_password"), "short");
        Files.writeString(secrets.resolve("redis_password"), "abababababababababababababababab");
        Files.setPosixFilePermissions(secrets.resolve("redis_password"), PosixFilePermissions.fromString("rw-r--r--"));
        Files.writeString(secrets.resolve(".gitignore"), "postgres_password\n");
        Files.writeString(project.resolve("config/leaked.pem"), "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n");
        Files.writeString(project.resolve("config/keys.json"), new KeyRingFile(layout().ringFile()).read().toJson());
        Files.writeString(project.resolve("config/webauthn-jwks.json"), KeyRing.empty().rotate(NOW, POLICY).ring()
                .publicJwks(NOW));
        Files.writeString(project.resolve("docker/override.yaml"), """
                services:
                  postgres:
                    environment:
                      POSTGRES_PASSWORD: hunter2-hunter2
                  cache:
                    environment:
                      - REDIS_ARGS=--requirepass abababababababababababababababab
                """);

        List<String> findings = SecretChecker.check(layout(), NOW);

        assertThat(findings).hasSize(10);
        assertThat(findings).anySatisfy(f -> assertThat(f).startsWith("docker/secrets/postgres_password: weak password:"
                + " it is 5 characters long; at least 24 are required."));
        assertThat(findings).anySatisfy(f -> assertThat(f).startsWith("docker/secrets/redis_password: weak password: it"
                + " uses only 2 distinct characters (a tiny alphabet)"));
        assertThat(findings).contains("docker/secrets/redis_password: accessible by group or others (rw-r--r--). Run"
                + " 'chmod 600 docker/secrets/redis_password'.");
        assertThat(findings).anySatisfy(f -> assertThat(f).startsWith("docker/secrets/redis_password: not covered by a"
                + " .gitignore"));
        assertThat(findings).anySatisfy(f -> assertThat(f).startsWith("docker/secrets/jwt_signing_keys.json: not"
                + " covered by a .gitignore"));
        assertThat(findings).anySatisfy(f -> assertThat(f).startsWith("config/leaked.pem: holds a PEM private key."));
        assertThat(findings).anySatisfy(f -> assertThat(f).startsWith("config/keys.json: holds private JWK members [d]."));
        assertThat(findings).anySatisfy(f -> assertThat(f).startsWith("config/webauthn-jwks.json: does not match the"
                + " ring"));
        assertThat(findings).anySatisfy(f -> assertThat(f).startsWith("docker/override.yaml: service 'postgres' passes"
                + " POSTGRES_PASSWORD as a plain environment value"));
        assertThat(findings).anySatisfy(f -> assertThat(f).startsWith("docker/override.yaml: service 'cache' passes"
                + " REDIS_ARGS as a plain environment value"));
    }

    @Test
    void composeFilesThatPassSecretsAsEnvironmentValuesAreFound() throws Exception {
        freshProject();
        String redis = Files.readString(layout().secretsDir().resolve("redis_password"));
        Files.writeString(project.resolve("docker/override.yaml"), """
                services:
                  postgres:
                    environment:
                      POSTGRES_PASSWORD: hunter2-hunter2
                      POSTGRES_PASSWORD_FILE: /run/secrets/postgres_password
                  cache:
                    environment:
                      - REDIS_ARGS=%s
                  api:
                    environment:
                      GITHUB_TOKEN: ${GITHUB_TOKEN}
                      WEBAUTHN_TOKEN_TTL: 15m
                """.formatted(redis));

        List<String> findings = SecretChecker.check(layout(), NOW);

        assertThat(findings).containsExactly(
                "docker/override.yaml: service 'postgres' passes POSTGRES_PASSWORD as a plain environment value,"
                        + " visible to 'docker inspect' and every process in the container. Declare the secret under"
                        + " 'secrets:' and pass POSTGRES_PASSWORD_FILE=/run/secrets/<name> instead.",
                "docker/override.yaml: service 'cache' passes REDIS_ARGS as a plain environment value, visible to"
                        + " 'docker inspect' and every process in the container. Declare the secret under 'secrets:'"
                        + " and pass REDIS_ARGS_FILE=/run/secrets/<name> instead.",
                "docker/override.yaml: service 'api' passes GITHUB_TOKEN as a plain environment value, visible to"
                        + " 'docker inspect' and every process in the container. Declare the secret under 'secrets:'"
                        + " and pass GITHUB_TOKEN_FILE=/run/secrets/<name> instead.");
    }

    @Test
    void missingEmptyAndCorruptSecretsAreFound() throws Exception {
        freshProject();
        Files.delete(layout().secretsDir().resolve("postgres_password"));
        Files.writeString(layout().secretsDir().resolve("redis_password"), "\n");
        Files.writeString(layout().ringFile(), "{\"keys\": [");

        List<String> findings = SecretChecker.check(layout(), NOW);

        assertThat(findings).hasSize(3);
        assertThat(findings.get(0)).isEqualTo("docker/secrets/postgres_password: missing; run"
                + " 'mvn webauthn-keys:generate-secrets' to create it.");
        assertThat(findings.get(1)).isEqualTo("docker/secrets/redis_password: empty. Delete it and run"
                + " 'mvn webauthn-keys:generate-secrets'.");
        assertThat(findings.get(2)).startsWith("docker/secrets/jwt_signing_keys.json: Key ring "
                + layout().ringFile().toAbsolutePath() + " is not valid JSON");
    }

    @Test
    void exportsLeftBehindByAStagedRotationAreNoticesNotFindings() throws Exception {
        freshProject();
        KeyRing rotated = new KeyRingFile(layout().ringFile()).update(ring -> ring.rotate(NOW, POLICY)).ring();
        KeyExports.writePublicKey(rotated, NOW, layout().publicKeyFile());
        KeyExports.writeJwks(rotated, NOW, layout().jwksFile());
        String first = rotated.signingKey(NOW).orElseThrow().getKeyID();

        // The next key signs from NOW + 1h, with no build in between: the PEM still holds the first key.
        Instant switched = NOW.plus(Duration.ofMinutes(65));
        String next = rotated.signingKey(switched).orElseThrow().getKeyID();
        SecretChecker.Report afterSwitch = SecretChecker.inspect(layout(), switched);
        assertThat(afterSwitch.findings()).isEmpty();
        assertThat(afterSwitch.notices()).containsExactly("config/webauthn-public-key.pem: holds " + first
                + ", which no longer signs: " + next + " signs now. export-key refreshes it at generate-resources.");

        // Once the first key's last token has expired, the JWKS file still lists it.
        Instant expired = NOW.plus(Duration.ofHours(2));
        SecretChecker.Report afterExpiry = SecretChecker.inspect(layout(), expired);
        assertThat(afterExpiry.findings()).isEmpty();
        assertThat(afterExpiry.notices()).hasSize(2).last().isEqualTo("config/webauthn-jwks.json: still lists keys"
                + " that have expired ([" + first + "]). generate-jwks refreshes it at generate-resources.");
    }

    @Test
    void aPemOfTheNextKeyOrOfAForeignKeyStaysAFinding() throws Exception {
        freshProject();
        KeyRing rotated = new KeyRingFile(layout().ringFile()).update(ring -> ring.rotate(NOW, POLICY)).ring();
        KeyExports.writeJwks(rotated, NOW, layout().jwksFile());
        JWK nextKey = rotated.signingKey(NOW.plus(Duration.ofHours(2))).orElseThrow();
        KeyExports.writePublicKey(nextKey, layout().publicKeyFile());

        assertThat(SecretChecker.inspect(layout(), NOW).findings()).singleElement().asString()
                .startsWith("config/webauthn-public-key.pem: does not match the ring's signing key");

        KeyExports.writeJwks(KeyRing.empty().rotate(NOW, POLICY).ring(), NOW, layout().jwksFile());
        assertThat(SecretChecker.inspect(layout(), NOW).findings()).hasSize(2)
                .anySatisfy(f -> assertThat(f).startsWith("config/webauthn-jwks.json: does not match the ring"));
    }

    @Test
    void aStalePublicKeyAndAWeakRingKeyAreFound() throws Exception {
        freshProject();
        KeyRing other = KeyRing.empty().rotate(NOW, POLICY).ring();
        KeyExports.writePublicKey(other, NOW, layout().publicKeyFile());
        String weak = new KeyRingFile(layout().ringFile()).read().toJson().replace("\"ES256\"", "\"ES384\"");
        Files.writeString(layout().ringFile(), weak);

        List<String> findings = SecretChecker.check(layout(), NOW);

        assertThat(findings).anySatisfy(f -> assertThat(f).contains("is on curve P-256 but ES384 needs P-384")
                .contains("-Dwebauthn.keys.revoke="));
        assertThat(findings).anySatisfy(f -> assertThat(f)
                .startsWith("config/webauthn-public-key.pem: does not match the ring's signing key"));
    }

    @Test
    void aSigningKeyOlderThanTheRotationIntervalIsFoundUntilARotationStagesTheNext() throws Exception {
        freshProject();
        String kid = new KeyRingFile(layout().ringFile()).read().signingKey(NOW).orElseThrow().getKeyID();
        Instant later = NOW.plus(Duration.ofDays(91));

        assertThat(SecretChecker.inspect(layout(), NOW.plus(Duration.ofDays(89)), Duration.ofDays(90)).findings())
                .isEmpty();
        assertThat(SecretChecker.inspect(layout(), later, Duration.ofDays(90)).findings()).containsExactly(
                "docker/secrets/jwt_signing_keys.json: the signing key " + kid + " was created "
                        + NOW.truncatedTo(ChronoUnit.SECONDS) + ", more than webauthn.keys.rotationInterval (90d)"
                        + " ago. Run 'mvn webauthn-keys:rotate' to stage the next key.");
        // The default interval is 180 days.
        assertThat(SecretChecker.check(layout(), later)).isEmpty();
        assertThat(SecretChecker.check(layout(), NOW.plus(Duration.ofDays(181)))).singleElement().asString()
                .contains("the signing key " + kid + " was created").contains("(180d)");

        // Rotated: the old key signs for another hour, but the next one is staged, so nothing is asked of the build.
        KeyRing rotated = new KeyRingFile(layout().ringFile()).update(ring -> ring.rotate(later, POLICY)).ring();
        KeyExports.writePublicKey(rotated, later, layout().publicKeyFile());
        KeyExports.writeJwks(rotated, later, layout().jwksFile());
        assertThat(rotated.signingKey(later).orElseThrow().getKeyID()).isEqualTo(kid);
        assertThat(SecretChecker.inspect(layout(), later, Duration.ofDays(90)).findings()).isEmpty();
    }

    @Test
    void secretsTrackedByGitAreFound() throws Exception {
        freshProject();
        git("init", "-q");
        git("add", "-f", "docker/secrets/postgres_password");
        Files.writeString(project.resolve(".gitignore"), "");

        List<String> findings = SecretChecker.check(layout(), NOW);

        assertThat(findings).containsExactly("docker/secrets/postgres_password: tracked by git, so the secret is in the"
                + " repository history. Run 'git rm --cached docker/secrets/postgres_password', then replace the secret"
                + " (it must be treated as leaked).");
        git("rm", "-q", "--cached", "docker/secrets/postgres_password");
        assertThat(SecretChecker.check(layout(), NOW)).isEmpty();
    }

    private void git(String... args) throws Exception {
        List<String> command = new java.util.ArrayList<>(List.of("git", "-C", project.toString(), "-c",
                "user.email=t@example.com", "-c", "user.name=t"));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).inheritIO().start();
        assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as("git %s (git must be installed)", List.of(args)).isZero();
    }
}
