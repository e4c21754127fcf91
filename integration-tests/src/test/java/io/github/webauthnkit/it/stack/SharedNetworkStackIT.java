package io.github.webauthnkit.it.stack;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.webauthnkit.it.support.Command;
import io.github.webauthnkit.it.support.GeneratedProject;
import io.github.webauthnkit.it.support.RunningServer;
import io.github.webauthnkit.server.testing.PasskeyClient;
import io.github.webauthnkit.server.testing.SoftwareAuthenticator;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Shared network mode: the server joins a network the stack shares with other services, and one of them (the
 * project's Python example, built from its own directory into an image) fetches the JWKS by service name and
 * verifies a token of the stack. Nothing else of the stack is on that network.
 */
class SharedNetworkStackIT {

    @Test
    void aServiceOnTheSharedNetworkVerifiesTokensWithTheJwksByServiceName() throws Exception {
        int port = RunningServer.freePort();
        String shared = "platform-" + ProcessHandle.current().pid();
        GeneratedProject project = GeneratedProject.generate("stack-shared", Map.of("generateExamples", "python",
                "networkMode", "shared", "sharedNetwork", shared, "serverUrl", "http://localhost:" + port,
                "postgresPort", Integer.toString(RunningServer.freePort()),
                "redisPort", Integer.toString(RunningServer.freePort())));
        project.mvnw(Duration.ofMinutes(10), "package").assertSuccess("./mvnw package");
        DockerEngine engine = DockerEngine.get();
        engine.docker("network", "create", shared).assertSuccess("network create " + shared);
        try (ComposeStack stack = ComposeStack.up(project, Map.of())) {
            String members = engine.docker("network", "inspect", "--format",
                    "{{range .Containers}}{{.Name}} {{end}}", shared).assertSuccess("network inspect").output().strip();
            assertThat(Arrays.asList(members.split(" "))).as("the stack's containers on " + shared)
                    .singleElement().asString().contains("server");

            PasskeyClient carol = new PasskeyClient("http://127.0.0.1:" + port,
                    new SoftwareAuthenticator("http://localhost:" + port, SoftwareAuthenticator.Algorithm.ES256));
            String userId = carol.register("carol").path("userId").asText();
            String token = carol.signIn("carol");

            String image = "stack-shared-example-python";
            engine.docker(Duration.ofMinutes(10), "build", "-q", "--build-arg", "PYTHON_IMAGE="
                    + StandInImages.image("python"), "-t", image, project.file("examples/python").toString())
                    .assertSuccess("docker build of examples/python");
            Command.Result verified = engine.docker("run", "--rm", "--network", shared, image,
                    "--jwks", "http://server:" + port + "/.well-known/jwks.json",
                    "--issuer", "webauthn-server", "--audience", "stack-shared-api", token);
            assertThat(verified.exitCode()).as(verified.output()).isZero();
            assertThat(verified.output()).contains(userId);

            Command.Result outsider = engine.docker("run", "--rm", "--network", shared, image,
                    "--jwks", "http://postgres:5432/", "--issuer", "webauthn-server", "--audience", "stack-shared-api",
                    token);
            assertThat(outsider.exitCode()).as("postgres is not on the shared network").isEqualTo(1);
            assertThat(outsider.output()).contains("keys_unavailable");
        } finally {
            engine.docker("network", "rm", shared);
        }
    }

}
