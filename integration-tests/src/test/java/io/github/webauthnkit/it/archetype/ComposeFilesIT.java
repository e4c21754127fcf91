package io.github.webauthnkit.it.archetype;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import io.github.webauthnkit.it.support.Command;
import io.github.webauthnkit.it.support.GeneratedProject;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every property combination's Compose file is valid (the Compose specification's JSON schema and
 * {@code docker-compose config}) and hardened as its mode promises.
 */
class ComposeFilesIT {
    private static JsonSchema schema;

    @BeforeAll
    static void loadSchema() throws Exception {
        try (InputStream in = ComposeFilesIT.class.getResourceAsStream("/compose-spec.json")) {
            ObjectNode node = (ObjectNode) new ObjectMapper().readTree(in);
            // Draft 7 is known to the validator; removing the URL keeps it from fetching the meta-schema. The
            // relative $id is made absolute: every $ref in the schema is local to this document.
            node.remove("$schema");
            node.put("$id", "https://compose-spec.io/compose_spec.json");
            schema = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V7).getSchema(node);
        }
        // The validator is live: an unknown service key and a wrong type are reported.
        assertThat(schema.validate(new ObjectMapper().readTree("{\"services\":{\"x\":{\"image\":5,\"bogus\":1}}}")))
                .hasSizeGreaterThanOrEqualTo(2);
    }

    static Stream<Arguments> combinations() {
        return Stream.of(
                Arguments.of("compose-defaults", Map.of()),
                Arguments.of("compose-shared", Map.of("networkMode", "shared", "sharedNetwork", "platform",
                        "serverUrl", "http://localhost:9080", "postgresPort", "15432", "redisPort", "16379")),
                Arguments.of("compose-production", Map.of("productionMode", "true", "serverUrl",
                        "https://auth.example.com", "relyingPartyId", "example.com", "jwtAlgorithm", "ES256")),
                Arguments.of("compose-no-examples", Map.of("generateExamples", "none")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("combinations")
    void composeFileIsValidAndHardened(String artifactId, Map<String, String> properties) throws Exception {
        GeneratedProject project = GeneratedProject.generate(artifactId, properties);
        Path composeFile = project.file("docker/docker-compose.yml");
        JsonNode compose = new YAMLMapper().readTree(composeFile.toFile());

        Set<ValidationMessage> errors = schema.validate(compose);
        assertThat(errors).as("schema errors").isEmpty();
        Command.Result config;
        try {
            config = Command.run(project.dir(), Duration.ofMinutes(1), Map.of(),
                    List.of("docker-compose", "-f", "docker/docker-compose.yml", "config", "-q"));
        } catch (java.io.UncheckedIOException e) {
            throw new AssertionError("docker-compose is not installed: apt-get install docker-compose", e);
        }
        assertThat(config.exitCode()).as(config.output()).isZero();

        boolean production = "true".equals(properties.get("productionMode"));
        boolean shared = "shared".equals(properties.get("networkMode"));
        JsonNode services = compose.get("services");
        List<String> passwords = List.of(Files.readString(project.file("docker/secrets/postgres_password")),
                Files.readString(project.file("docker/secrets/redis_password")));
        assertThat(names(services)).containsExactlyInAnyOrderElementsOf(production
                ? List.of("server", "postgres", "redis", "proxy") : List.of("server", "postgres", "redis"));
        assertThat(Files.readString(project.file("docker/.env"))).contains("COMPOSE_PROJECT_NAME=" + artifactId);
        assertThat(compose.at("/volumes/postgres-data/name").asText()).isEqualTo(artifactId + "-postgres-data");
        assertThat(compose.at("/networks/internal/name").asText()).isEqualTo(artifactId + "-internal");
        assertThat(names(compose.get("secrets"))).contains("postgres_password", "redis_password", "jwt_signing_keys");

        for (String name : names(services)) {
            JsonNode service = services.get(name);
            String image = service.path("image").asText();
            if (!image.isEmpty() && !name.equals("server")) {
                // Overridable for private registries and mirrors, with a pinned official image as the default.
                assertThat(image).as(name + " image overridable and pinned")
                        .matches("\\$\\{" + name.toUpperCase(java.util.Locale.ROOT).replace("PROXY", "NGINX")
                                + "_IMAGE:-[a-z0-9./-]+:\\d+[\\w.-]*}").doesNotContain("latest");
            }
            service.path("environment").fields().forEachRemaining(variable -> {
                String key = variable.getKey();
                assertThat(key.matches("(?i).*(PASSWORD|SECRET|PRIVATE_KEY).*") && !key.endsWith("_FILE"))
                        .as(name + " passes " + key + " as a plain value").isFalse();
                passwords.forEach(p -> assertThat(variable.getValue().asText()).doesNotContain(p));
            });
            if (production) {
                assertThat(service.path("read_only").asBoolean()).as(name + " read_only").isTrue();
                assertThat(service.path("cap_drop").toString()).as(name + " cap_drop").contains("ALL");
                assertThat(service.path("security_opt").toString()).contains("no-new-privileges:true");
                assertThat(service.path("restart").asText()).isEqualTo("unless-stopped");
                assertThat(service.has("mem_limit") && service.has("cpus") && service.has("pids_limit"))
                        .as(name + " limits").isTrue();
            }
        }
        for (String database : List.of("postgres", "redis")) {
            JsonNode ports = services.get(database).path("ports");
            if (production) {
                assertThat(ports.isMissingNode()).as(database + " publishes no port in production").isTrue();
            } else {
                assertThat(ports.toString()).as(database + " bound to the loopback interface").contains("127.0.0.1:");
                String expected = database.equals("postgres") ? properties.getOrDefault("postgresPort", "5432")
                        : properties.getOrDefault("redisPort", "6379");
                assertThat(ports.toString()).contains("127.0.0.1:" + expected + ":");
            }
            assertThat(services.get(database).path("healthcheck").path("test").toString())
                    .as(database + " healthcheck authenticates").contains("/run/secrets/");
        }
        if (production) {
            assertThat(services.get("server").path("ports").isMissingNode()).as("only the proxy is published").isTrue();
            assertThat(services.get("server").path("user").asText()).isNotEmpty().doesNotStartWith("0");
            assertThat(services.get("proxy").path("user").asText()).isNotEmpty().doesNotStartWith("0");
            assertThat(Files.readString(project.file("docker/nginx.conf"))).contains("server_name auth.example.com;")
                    .contains("listen 8443 ssl;");
        } else {
            assertThat(project.file("docker/nginx.conf")).doesNotExist();
        }
        JsonNode serverNetworks = services.get("server").path("networks");
        if (shared) {
            assertThat(serverNetworks.toString()).contains("shared");
            assertThat(compose.at("/networks/shared/external").asBoolean()).isTrue();
            assertThat(compose.at("/networks/shared/name").asText()).isEqualTo("platform");
        } else {
            assertThat(compose.path("networks").has("shared")).isFalse();
        }
        assertThat(services.get("redis").path("command").toString()).doesNotContain("--requirepass");

        for (String script : List.of("export-public-key.sh", "rotate-keys.sh", "health-check.sh")) {
            Path file = project.file("scripts/" + script);
            assertThat(Files.isExecutable(file)).as(script + " executable").isTrue();
            assertThat(Command.run(project.dir(), Duration.ofSeconds(30), Map.of(), GeneratedProject.bash("-n", file.toString()))
                    .exitCode()).as("bash -n " + script).isZero();
            Command.Result help = Command.run(project.dir(), Duration.ofSeconds(30), Map.of(),
                    GeneratedProject.bash(file.toString(), "--help"));
            assertThat(help.exitCode()).as(script + " --help").isZero();
            assertThat(help.output()).startsWith("Usage: scripts/" + script);
            assertThat(Files.readString(file)).contains("set -euo pipefail");
        }
    }

    private static List<String> names(JsonNode node) {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
