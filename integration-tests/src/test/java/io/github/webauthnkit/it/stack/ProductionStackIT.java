package io.github.webauthnkit.it.stack;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.webauthnkit.it.support.Command;
import io.github.webauthnkit.it.support.GeneratedProject;
import io.github.webauthnkit.it.support.ImageJvm;
import io.github.webauthnkit.server.testing.PasskeyClient;
import io.github.webauthnkit.server.testing.SoftwareAuthenticator;
import com.nimbusds.jwt.SignedJWT;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The production stack: the TLS proxy with a certificate made here, the only container that publishes ports; a
 * passkey ceremony over https through it; /metrics not reachable through it; every container non-root on a read-only
 * root file system with the capabilities the Compose file lists, the server still working; no secret in any
 * container's environment. The secrets belong to a service user (uid 10001), not to the user running the tests.
 */
class ProductionStackIT {
    @Test
    void theProductionStackIsHardenedAndServesPasskeysOverTls() throws Exception {
        GeneratedProject project = ProductionProject.prepare("stack-prod");

        try (ComposeStack stack = ComposeStack.up(project, ProductionProject.environment())) {
            HttpClient https = ProductionProject.https(project);
            PasskeyClient bob = new PasskeyClient(https, "https://localhost",
                    new SoftwareAuthenticator("https://localhost", SoftwareAuthenticator.Algorithm.ES256));
            String userId = bob.register("bob").path("userId").asText();
            assertThat(SignedJWT.parse(bob.signIn("bob")).getJWTClaimsSet().getSubject()).isEqualTo(userId);

            HttpResponse<String> metrics = https.send(HttpRequest.newBuilder(URI.create("https://localhost/metrics"))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertThat(metrics.statusCode()).as("/metrics through the proxy").isEqualTo(404);
            assertThat(metrics.body()).doesNotContain("webauthn_");
            HttpResponse<String> plain = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1/")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(plain.statusCode()).isEqualTo(301);
            assertThat(plain.headers().firstValue("Location")).hasValue("https://localhost/");

            List<String> secrets = new ArrayList<>();
            for (String name : List.of("docker/secrets/postgres_password", "docker/secrets/redis_password",
                    "docker/tls/tls_private_key.pem", "docker/secrets/jwt_signing_keys.json")) {
                secrets.add(ProductionProject.secret(project, name));
            }
            Map<String, String> capabilities = Map.of("server", "[]", "proxy", "[]",
                    "postgres", "[CAP_CHOWN CAP_DAC_OVERRIDE CAP_FOWNER CAP_SETGID CAP_SETUID]",
                    "redis", "[CAP_CHOWN CAP_DAC_OVERRIDE CAP_SETGID CAP_SETUID]");
            for (String service : List.of("server", "postgres", "redis", "proxy")) {
                String id = stack.containers(service).get(0);
                String ports = stack.docker("inspect", "--format",
                        "{{range $p, $b := .NetworkSettings.Ports}}{{range $b}}{{.HostPort}} {{end}}{{end}}", id)
                        .output().strip();
                // Each published port is listed once per address family.
                assertThat(String.join(" ", new TreeSet<>(List.of(ports.split("\\s+")))).strip())
                        .as(service + " publishes").isEqualTo(service.equals("proxy") ? "443 80" : "");
                assertThat(stack.docker("inspect", "--format", "{{.HostConfig.ReadonlyRootfs}} {{.HostConfig.CapDrop}}"
                        + " {{.HostConfig.SecurityOpt}}", id).output().strip())
                        .isEqualTo("true [ALL] [no-new-privileges:true]");
                String added = stack.docker("inspect", "--format", "{{.HostConfig.CapAdd}}", id).output().strip();
                assertThat(added.replace("CAP_", "").replace("[", "").replace("]", "").split(" "))
                        .as(service + " capabilities").containsExactlyInAnyOrder(capabilities.get(service)
                                .replace("CAP_", "").replace("[", "").replace("]", "").split(" "));
                String uid = stack.docker("exec", id, "sh", "-c", "grep '^Uid:' /proc/1/status").output();
                assertThat(uid.split("\\s+")[1]).as(service + " runs as").isNotEqualTo("0");
                String environment = stack.docker("inspect", "--format", "{{range .Config.Env}}{{.}}\n{{end}}", id)
                        .output();
                for (String secret : secrets) {
                    assertThat(environment).as(service + "'s environment").doesNotContain(secret);
                }
            }
            String server = stack.containers("server").get(0);
            assertThat(stack.docker("exec", server, "ls", "-a", "/run/secrets/jwt_signing_keys").output())
                    .as("the server's view of the secrets").contains("jwt_signing_keys.json").doesNotContain("tls");
            assertThat(stack.docker("exec", server, "sh", "-c", "touch /app/written").exitCode())
                    .as("a write outside the server's tmpfs").isNotZero();
            assertThat(stack.docker("exec", server, "sh", "-c", "touch /tmp/written").exitCode())
                    .as("a write to its tmpfs").isZero();
            assertThat(stack.docker("exec", server, "grep", " /tmp ", "/proc/mounts").output())
                    .as("its tmpfs, where nothing written may run").contains("noexec");
            assertThat(stack.docker("logs", server).output()).as("native signatures from the image's /app/native")
                    .contains(ImageJvm.NATIVE_SIGNATURES);
            Command.Result health = Command.run(project.dir(), Duration.ofMinutes(2), stack.engine().environment(),
                    List.of("bash", "scripts/health-check.sh", "--compose", "--server", "https://localhost"));
            assertThat(health.output()).contains("postgres  ok").contains("redis     ok");

            HttpResponse<String> publicHealth = https.send(HttpRequest.newBuilder(
                    URI.create("https://localhost/health")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(publicHealth.body()).as("/health through the proxy tells the status alone").isEqualTo(
                    "{\"status\":\"UP\"}");
            String postgres = stack.containers("postgres").get(0);
            assertThat(stack.docker("exec", postgres, "psql", "-U", "webauthn_admin", "-d", "webauthn", "-tAc",
                    "SELECT rolsuper, rolcreaterole, rolcreatedb FROM pg_roles WHERE rolname = 'webauthn'").output()
                    .strip()).as("the server's database role").isEqualTo("f|f|f");
            Command.Result superuserOverTcp = stack.docker("exec", postgres, "sh", "-c", "PGPASSWORD=\"$(cat"
                    + " /run/secrets/postgres_password)\" psql -h 127.0.0.1 -U webauthn_admin -d webauthn -c 'SELECT 1'");
            assertThat(superuserOverTcp.exitCode()).as(superuserOverTcp.output()).isNotZero();
            assertThat(superuserOverTcp.output()).contains("rejects connection");
            String redis = stack.docker("exec", stack.containers("redis").get(0), "sh", "-c",
                    "REDISCLI_AUTH=\"$(cat /run/secrets/redis_password)\" redis-cli config get 'maxmemory*'").output();
            assertThat(redis).as("Redis memory bound and eviction").contains("201326592").contains("volatile-ttl");

            // Last, since it spends this address's start budget: a flood of starts is stopped at the proxy.
            Map<Integer, Integer> statuses = new ConcurrentHashMap<>();
            List<String> edgeRefusals = new CopyOnWriteArrayList<>();
            ExecutorService flood = Executors.newFixedThreadPool(8);
            for (int i = 0; i < 160; i++) {
                flood.submit(() -> {
                    HttpResponse<String> answer = https.send(HttpRequest.newBuilder(
                            URI.create("https://localhost/authenticate/start")).header("Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString("{}")).build(),
                            HttpResponse.BodyHandlers.ofString());
                    statuses.merge(answer.statusCode(), 1, Integer::sum);
                    if (answer.body().contains("Too many ceremony starts from this address")) {
                        edgeRefusals.add(answer.headers().firstValue("Retry-After").orElse("none"));
                    }
                    return null;
                });
            }
            flood.shutdown();
            assertThat(flood.awaitTermination(2, TimeUnit.MINUTES)).isTrue();
            System.out.println("A flood of 160 starts through the proxy: " + statuses);
            assertThat(edgeRefusals).as("starts refused by nginx's limit_req").isNotEmpty().allMatch("1"::equals);
        }
    }

}
