package io.github.webauthnkit.it.scripts;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.webauthnkit.it.support.Command;
import io.github.webauthnkit.it.support.FrozenJwks;
import io.github.webauthnkit.it.support.GeneratedProject;
import io.github.webauthnkit.it.support.RunningServer;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * scripts/rotate-keys.sh asks the running server whether it follows: the new key must be published (and a revoked key
 * gone) within seconds, or the script fails; a server that does not answer is reported, not waited for.
 */
class RotateKeysScriptIT {
    private static final Duration LIMIT = Duration.ofMinutes(3);
    private static final Pattern NEW_KEY = Pattern.compile("New key: (\\S+)");

    @Test
    void theScriptConfirmsTheServedJwksAndFailsWhenTheServerDoesNotFollow() throws Exception {
        GeneratedProject project = GeneratedProject.generate("rotate-script", Map.of("generateExamples", "none"));
        project.mvnw(Duration.ofMinutes(10), "package", "-DskipTests").assertSuccess("package");
        try (RunningServer server = RunningServer.start(project, Map.of())) {
            Command.Result rotated = rotate(project, "--server", server.baseUrl());
            String added = newKey(rotated);
            assertThat(rotated.exitCode()).as(rotated.output()).isZero();
            assertThat(rotated.output()).contains("Confirmed: " + server.baseUrl() + " publishes " + added + ".");

            String signing = server.get("/health").body().replaceAll(".*\"signingKey\":\"([^\"]+)\".*", "$1");
            Command.Result revoked = rotate(project, "--server", server.baseUrl(), "--revoke", signing);
            assertThat(revoked.exitCode()).as(revoked.output()).isZero();
            assertThat(revoked.output()).contains("Confirmed: " + server.baseUrl() + " publishes " + newKey(revoked)
                    + " and no longer " + signing + ".");

            // A server that kept its old keys: it serves the JWKS as it was before the next rotation.
            try (FrozenJwks frozen = new FrozenJwks(Files.readAllBytes(project.file("config/webauthn-jwks.json")))) {
                String url = frozen.baseUrl();
                Command.Result notFollowed = rotate(project, "--server", url);
                assertThat(notFollowed.exitCode()).isEqualTo(1);
                assertThat(notFollowed.output()).contains("error: " + url + " still does not publish " + newKey(notFollowed)
                        + " after 15 s: it has not re-read the ring");
            }
            Command.Result unreachable = rotate(project, "--server", "http://127.0.0.1:9");
            assertThat(unreachable.exitCode()).isZero();
            assertThat(unreachable.output()).contains("Not confirmed: http://127.0.0.1:9 does not answer");
        }
    }

    private static Command.Result rotate(GeneratedProject project, String... args) {
        return project.script(LIMIT, "scripts/rotate-keys.sh", args);
    }

    private static String newKey(Command.Result result) {
        Matcher m = NEW_KEY.matcher(result.output());
        assertThat(m.find()).as(result.output()).isTrue();
        return m.group(1);
    }
}
