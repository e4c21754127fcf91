package io.github.webauthnkit.it.stack;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.source.ImmutableJWKSet;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import io.github.webauthnkit.it.support.Command;
import io.github.webauthnkit.it.support.GeneratedProject;
import io.github.webauthnkit.it.support.RunningServer;
import io.github.webauthnkit.server.testing.Chromium;
import io.github.webauthnkit.server.testing.PasskeyClient;
import io.github.webauthnkit.server.testing.SoftwareAuthenticator;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The development stack of a freshly generated project (isolated network), started for real: the image built with
 * the project's Dockerfile and its class-data training run, PostgreSQL and Redis, every service healthy; a passkey
 * registers and signs in through the published port, from the software authenticator and from Chromium with a
 * virtual authenticator on the stack's own page, and the tokens verify with config/webauthn-jwks.json; the
 * database ports are published on 127.0.0.1 only and nothing outside the stack's network reaches it; a rotation reaches
 * the running server without a restart; the accounts survive the stack going down and up again.
 */
class DevelopmentStackIT {
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void theDevelopmentStackRunsServesPasskeysAndKeepsItsAccounts() throws Exception {
        int port = RunningServer.freePort();
        GeneratedProject project = GeneratedProject.generate("stack-dev", Map.of("generateExamples", "none",
                "serverUrl", "http://localhost:" + port, "postgresPort", Integer.toString(RunningServer.freePort()),
                "redisPort", Integer.toString(RunningServer.freePort())));
        project.mvnw(Duration.ofMinutes(10), "package").assertSuccess("./mvnw package");
        // No WEBAUTHN_UID in the environment: docker/.env names the user who generated the project (the secrets' owner).
        String uid = Command.run(project.dir(), Duration.ofSeconds(10), Map.of(), List.of("id", "-u")).output().strip();
        assertThat(Files.readString(project.file("docker/.env"))).contains("WEBAUTHN_UID=" + uid + "\n");
        String base = "http://127.0.0.1:" + port;
        SoftwareAuthenticator authenticator = new SoftwareAuthenticator("http://localhost:" + port,
                SoftwareAuthenticator.Algorithm.ES256);
        PasskeyClient alice = new PasskeyClient(base, authenticator);

        try (ComposeStack stack = ComposeStack.up(project, Map.of())) {
            assertThat(stack.compose("images").output()).contains("webauthn-kit-standin/postgres")
                    .contains("webauthn-kit-standin/redis");
            assertThat(stack.docker("logs", stack.containers("server").get(0)).output())
                    .contains("Passkey server").contains("ready on port " + port);

            String userId = alice.register("alice").path("userId").asText();
            JWTClaimsSet claims = verify(alice.signIn("alice"), JWKSet.load(project.file("config/webauthn-jwks.json")
                    .toFile()));
            assertThat(claims.getSubject()).isEqualTo(userId);
            assertThat(claims.getAudience()).containsExactly("stack-dev-api");
            try (Chromium chromium = Chromium.start()) {
                BrowserCeremony.Tokens erin = BrowserCeremony.registerAndSignIn(chromium, "http://localhost:" + port,
                        "erin");
                JWKSet exported = JWKSet.load(project.file("config/webauthn-jwks.json").toFile());
                JWTClaimsSet registered = verify(erin.afterRegistration(), exported);
                JWTClaimsSet signedIn = verify(erin.afterSignIn(), exported);
                assertThat(signedIn.getSubject()).isEqualTo(registered.getSubject()).isNotEqualTo(userId);
                assertThat(signedIn.getStringClaim("preferred_username")).isEqualTo("erin");
            }

            for (String service : List.of("postgres", "redis", "server")) {
                String bindings = stack.docker("inspect", "--format",
                        "{{range $p, $b := .NetworkSettings.Ports}}{{range $b}}{{.HostIp}} {{end}}{{end}}",
                        stack.containers(service).get(0)).assertSuccess("inspect").output().strip();
                assertThat(bindings).as(service + " is published on 127.0.0.1 only").isNotEmpty()
                        .matches("(127\\.0\\.0\\.1 ?)+");
            }
            assertOutsidersCannotReach(stack, port);

            String before = jwks(base);
            Command.Result rotated = Command.run(project.dir(), Duration.ofMinutes(5), Map.of(),
                    List.of("bash", "scripts/rotate-keys.sh")).assertSuccess("scripts/rotate-keys.sh");
            assertThat(rotated.output()).contains("Rotated.").contains("Confirmed: http://localhost:" + port + " publishes");
            JsonNode published = awaitNewKey(base, before, Duration.ofSeconds(15));
            assertThat(published.path("keys")).hasSize(2);
            assertThat(JSON.readTree(Files.readString(project.file("config/webauthn-jwks.json")))).isEqualTo(published);

            stack.compose("down").assertSuccess("compose down (volumes kept)");
            stack.compose("up", "-d").assertSuccess("compose up again");
            stack.awaitHealthy(Duration.ofMinutes(3));
            assertThat(verify(alice.signIn("alice"), JWKSet.parse(jwks(base))).getSubject())
                    .as("the account survived down and up").isEqualTo(userId);
        }
    }

    /** A container on another network finds none of the stack's services, by name or by address. */
    private static void assertOutsidersCannotReach(ComposeStack stack, int port) {
        String network = "outsider-" + ProcessHandle.current().pid();
        stack.docker("network", "create", network).assertSuccess("network create");
        try {
            for (String service : List.of("server", "postgres", "redis")) {
                String address = stack.docker("inspect", "--format",
                        "{{range .NetworkSettings.Networks}}{{.IPAddress}} {{end}}", stack.containers(service).get(0))
                        .output().strip().split(" ")[0];
                int target = service.equals("server") ? port : service.equals("postgres") ? 5432 : 6379;
                Command.Result probe = stack.docker("run", "--rm", "--network", network,
                        StandInImages.image("jre"), "bash", "-c",
                        "getent hosts " + service + " && echo NAME-RESOLVED; timeout 5 bash -c '</dev/tcp/" + address
                                + "/" + target + "' && echo CONNECTED; true");
                assertThat(probe.exitCode()).as(probe.output()).isZero();
                assertThat(probe.output()).as(service + " from another network").doesNotContain("NAME-RESOLVED")
                        .doesNotContain("CONNECTED");
            }
        } finally {
            stack.docker("network", "rm", network);
        }
    }

    private static JsonNode awaitNewKey(String base, String before, Duration limit) throws Exception {
        long deadline = System.nanoTime() + limit.toNanos();
        while (System.nanoTime() < deadline) {
            String now = jwks(base);
            if (!now.equals(before)) {
                return JSON.readTree(now);
            }
            Thread.sleep(250);
        }
        throw new AssertionError("The served JWKS did not change within " + limit.toSeconds() + " s of the rotation");
    }

    private static String jwks(String base) throws Exception {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/.well-known/jwks.json"))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        return response.body();
    }

    private static JWTClaimsSet verify(String token, JWKSet jwks) throws Exception {
        DefaultJWTProcessor<SecurityContext> processor = new DefaultJWTProcessor<>();
        processor.setJWSKeySelector(new JWSVerificationKeySelector<>(Set.of(JWSAlgorithm.RS256),
                new ImmutableJWKSet<>(jwks)));
        processor.setJWTClaimsSetVerifier(new DefaultJWTClaimsVerifier<>("stack-dev-api",
                new JWTClaimsSet.Builder().issuer("webauthn-server").build(), Set.of("sub", "exp", "iat")));
        return processor.process(token, null);
    }

}
