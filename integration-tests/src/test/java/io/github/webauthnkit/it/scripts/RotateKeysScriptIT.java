package io.github.webauthnkit.it.scripts;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.github.webauthnkit.it.support.Command;
import io.github.webauthnkit.it.support.GeneratedProject;
import io.github.webauthnkit.it.support.RunningServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
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
            byte[] stale = Files.readAllBytes(project.file("config/webauthn-jwks.json"));
            HttpServer frozen = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
            frozen.createContext("/.well-known/jwks.json", exchange -> {
                exchange.sendResponseHeaders(200, stale.length);
                exchange.getResponseBody().write(stale);
                exchange.close();
            });
            frozen.start();
            try {
                String url = "http://127.0.0.1:" + frozen.getAddress().getPort();
                Command.Result notFollowed = rotate(project, "--server", url);
                assertThat(notFollowed.exitCode()).isEqualTo(1);
                assertThat(notFollowed.output()).contains("error: " + url + " still does not publish " + newKey(notFollowed)
                        + " after 15 s: it has not re-read the ring");
            } finally {
                frozen.stop(0);
            }
            Command.Result unreachable = rotate(project, "--server", "http://127.0.0.1:9");
            assertThat(unreachable.exitCode()).isZero();
            assertThat(unreachable.output()).contains("Not confirmed: http://127.0.0.1:9 does not answer");
        }
    }

    private static Command.Result rotate(GeneratedProject project, String... args) {
        List<String> command = new ArrayList<>(List.of("bash", "scripts/rotate-keys.sh"));
        command.addAll(List.of(args));
        return Command.run(project.dir(), LIMIT, Map.of("MAVEN_ARGS", String.join(" ",
                GeneratedProject.localRepositoryArgs())), command);
    }

    private static String newKey(Command.Result result) {
        Matcher m = NEW_KEY.matcher(result.output());
        assertThat(m.find()).as(result.output()).isTrue();
        return m.group(1);
    }
}
