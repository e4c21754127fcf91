package io.github.webauthnkit.it.archetype;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.webauthnkit.it.support.Command;
import io.github.webauthnkit.it.support.GeneratedProject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A generated project goes into git without its secrets, and a fresh clone builds with the same commands: its
 * first build creates the secrets and a new key ring, and refreshes the committed public exports to match.
 */
class FreshCloneIT {
    private static final Duration LIMIT = Duration.ofMinutes(5);

    @Test
    void aFreshCloneCreatesItsSecretsAndPassesTheSecretCheck() throws Exception {
        GeneratedProject project = GeneratedProject.generate("fresh-clone", Map.of("generateExamples", "none"));
        assertThat(project.generation().output()).contains("Next steps:")
                .contains("./mvnw package && java -jar target/fresh-clone.jar")
                .contains("config/webauthn-public-key.pem").contains("INTEGRATION.md").contains("SECURITY_CHECKLIST.md");

        git(project.dir(), "init", "-q");
        git(project.dir(), "add", "-A");
        git(project.dir(), "-c", "user.email=it@example.com", "-c", "user.name=it", "commit", "-q", "-m", "generated");
        Command.Result tracked = git(project.dir(), "ls-files", "docker/secrets", "config");
        assertThat(tracked.output().lines().toList()).containsExactlyInAnyOrder("docker/secrets/.gitignore",
                "config/webauthn-jwks.json", "config/webauthn-public-key.pem");

        Path clone = GeneratedProject.newWorkDir("clone").resolve("fresh-clone");
        git(project.dir().getParent(), "clone", "-q", project.dir().toString(), clone.toString());
        assertThat(clone.resolve("docker/secrets/jwt_signing_keys.json")).doesNotExist();

        Command.Result build = Command.run(clone, LIMIT, Map.of(), List.of("./mvnw", "-B", "-ntp", "generate-resources",
                "-Dmaven.repo.local=" + System.getProperty("kit.localRepository"))).assertSuccess("build of the clone");
        assertThat(build.output()).contains("Created docker/secrets/postgres_password, docker/secrets/redis_password,"
                + " docker/secrets/jwt_signing_keys.json (secrets 0600)").contains("Secrets OK:");
        assertThat(Files.readString(clone.resolve("config/webauthn-jwks.json")))
                .isNotEqualTo(Files.readString(project.file("config/webauthn-jwks.json")));
        assertThat(git(clone, "status", "--porcelain").output()).contains("config/webauthn-jwks.json")
                .doesNotContain("docker/secrets");
    }

    private static Command.Result git(Path dir, String... args) {
        List<String> command = new java.util.ArrayList<>(List.of("git", "-C", dir.toString()));
        command.addAll(List.of(args));
        return Command.run(dir, LIMIT, Map.of(), command).assertSuccess("git " + String.join(" ", args));
    }
}
