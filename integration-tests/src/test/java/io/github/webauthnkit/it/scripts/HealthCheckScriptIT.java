package io.github.webauthnkit.it.scripts;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.webauthnkit.it.support.GeneratedProject;
import io.github.webauthnkit.server.testing.PostgresServer;
import io.github.webauthnkit.server.testing.RedisServer;
import io.github.webauthnkit.server.testing.TestServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A generated project's scripts/health-check.sh against a real stack of local processes (PostgreSQL, Redis and the
 * server on free ports): all green, then a stopped Redis is reported.
 */
class HealthCheckScriptIT {

    @Test
    void reportsEveryServiceAndFailsWhenOneIsDown() throws Exception {
        GeneratedProject project = GeneratedProject.generate("health-check", Map.of("generateExamples", "none"));
        Path script = project.file("scripts/health-check.sh");
        assertThat(Files.isExecutable(script)).isTrue();
        try (PostgresServer postgres = PostgresServer.start(); RedisServer redis = RedisServer.start();
             TestServer server = TestServer.start("ES256", Map.of(
                     "WEBAUTHN_DB_URL", postgres.jdbcUrl(), "WEBAUTHN_DB_USER", postgres.user(),
                     "WEBAUTHN_DB_PASSWORD_FILE", postgres.passwordFile().toString(),
                     "WEBAUTHN_REDIS_URL", redis.url(),
                     "WEBAUTHN_REDIS_PASSWORD_FILE", redis.passwordFile().toString()))) {
            List<String> command = GeneratedProject.bash(script.toString(), "--server", server.baseUrl(),
                    "--postgres-port", postgres.jdbcUrl().replaceAll(".*:(\\d+)/.*", "$1"), "--postgres-db", "postgres",
                    "--postgres-password-file", postgres.passwordFile().toString(),
                    "--redis-port", redis.url().replaceAll(".*:(\\d+)$", "$1"),
                    "--redis-password-file", redis.passwordFile().toString());
            Result healthy = run(command);
            assertThat(healthy.output()).contains("server    ok").contains("jwks      ok").contains("postgres  ok")
                    .contains("redis     ok").contains("all checks passed")
                    .doesNotContain(Files.readString(postgres.passwordFile()))
                    .doesNotContain(Files.readString(redis.passwordFile()));
            assertThat(healthy.exitCode()).isZero();

            redis.stopProcess();
            Result degraded = run(command);
            assertThat(degraded.exitCode()).isEqualTo(1);
            assertThat(degraded.output()).contains("redis     FAIL").contains("server    FAIL").contains("postgres  ok");
            redis.startProcess();
        }
    }

    private record Result(int exitCode, String output) {
    }

    private static Result run(List<String> command) throws Exception {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes());
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return new Result(process.exitValue(), output);
    }
}
