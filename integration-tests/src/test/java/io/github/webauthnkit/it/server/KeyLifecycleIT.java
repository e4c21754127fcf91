package io.github.webauthnkit.it.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.webauthnkit.it.support.Command;
import io.github.webauthnkit.it.support.GeneratedProject;
import io.github.webauthnkit.it.support.RunningServer;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The plugin and the generated server together, as an operator uses them: the server runs from its jar, the
 * operator rotates and revokes keys with Maven, and another Maven project pulls the public key from the running
 * server. Nothing is restarted.
 */
class KeyLifecycleIT {
    private static final Duration BUILD = Duration.ofMinutes(10);
    private static final Pattern KID = Pattern.compile("\"kid\"\\s*:\\s*\"([^\"]+)\"");

    @Test
    void rotateRevokeAndExportAgainstARunningServer() throws Exception {
        GeneratedProject project = GeneratedProject.generate("key-lifecycle", Map.of("jwtAlgorithm", "ES256"));
        project.mvnw(BUILD, "package", "-DskipTests").assertSuccess("package of the generated project");
        try (RunningServer server = RunningServer.start(project, Map.of())) {
            List<String> initial = kids(server.get("/.well-known/jwks.json").body());
            assertThat(initial).hasSize(1);
            String first = initial.get(0);
            assertThat(server.get("/health").body()).contains("\"signingKey\":\"" + first + "\"");

            project.mvnw(BUILD, "webauthn-keys:rotate").assertSuccess("rotate");
            List<String> afterRotate = awaitKids(server, 2);
            String next = afterRotate.stream().filter(k -> !k.equals(first)).findFirst().orElseThrow();
            // The next key is published ahead; the first keeps signing until the next key's nbf.
            assertThat(server.get("/health").body()).contains("\"signingKey\":\"" + first + "\"");
            assertThat(kids(Files.readString(project.file("config/webauthn-jwks.json"))))
                    .containsExactlyInAnyOrderElementsOf(afterRotate);

            Command.Result revoked = project.mvnw(BUILD, "webauthn-keys:rotate", "-Dwebauthn.keys.revoke=" + first)
                    .assertSuccess("revoke");
            assertThat(revoked.output()).contains("Revoked key " + first);
            List<String> afterRevoke = awaitKidsWithout(server, first);
            assertThat(afterRevoke).contains(next).hasSize(2);
            String emergency = afterRevoke.stream().filter(k -> !k.equals(next)).findFirst().orElseThrow();
            assertThat(server.get("/health").body()).contains("\"signingKey\":\"" + emergency + "\"");

            // A consumer project pins the key that signs now, fetched from the running server.
            Path consumer = GeneratedProject.newWorkDir("consumer");
            Files.writeString(consumer.resolve("pom.xml"), """
                    <project xmlns="http://maven.apache.org/POM/4.0.0">
                      <modelVersion>4.0.0</modelVersion>
                      <groupId>com.example</groupId>
                      <artifactId>consumer</artifactId>
                      <version>1</version>
                      <packaging>pom</packaging>
                    </project>
                    """);
            Command.Result exported = Command.run(consumer, BUILD, Map.of(), List.of(
                    project.file("mvnw").toString(), "-B", "-ntp",
                    "io.github.webauthnkit:webauthn-keys-maven-plugin:" + GeneratedProject.kitVersion() + ":export-key",
                    "-Dwebauthn.keys.jwksUrl=" + server.baseUrl() + "/.well-known/jwks.json",
                    "-Dmaven.repo.local=" + System.getProperty("kit.localRepository")))
                    .assertSuccess("export-key from the running server");
            assertThat(exported.output()).contains("public key").contains("(" + emergency + ")");
            assertThat(Files.readString(consumer.resolve("config/webauthn-public-key.pem")))
                    .isEqualTo(Files.readString(project.file("config/webauthn-public-key.pem")));
            assertThat(kids(Files.readString(consumer.resolve("config/webauthn-jwks.json"))))
                    .containsExactlyInAnyOrderElementsOf(afterRevoke);
        }
    }

    private static List<String> kids(String jwks) {
        Matcher m = KID.matcher(jwks);
        List<String> kids = new java.util.ArrayList<>();
        while (m.find()) {
            kids.add(m.group(1));
        }
        return kids;
    }

    private static List<String> awaitKids(RunningServer server, int count) throws InterruptedException {
        for (int i = 0; i < 50; i++) {
            HttpResponse<String> jwks = server.get("/.well-known/jwks.json");
            if (kids(jwks.body()).size() == count) {
                return kids(jwks.body());
            }
            Thread.sleep(100);
        }
        throw new AssertionError("The server did not serve " + count + " keys within 5 s:\n" + server.log());
    }

    private static List<String> awaitKidsWithout(RunningServer server, String kid) throws InterruptedException {
        for (int i = 0; i < 50; i++) {
            List<String> kids = kids(server.get("/.well-known/jwks.json").body());
            if (!kids.contains(kid)) {
                return kids;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("The server still served " + kid + " after 5 s");
    }
}
