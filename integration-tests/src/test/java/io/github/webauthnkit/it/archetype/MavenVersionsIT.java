package io.github.webauthnkit.it.archetype;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.webauthnkit.it.support.Command;
import io.github.webauthnkit.it.support.GeneratedProject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Generation works with the Maven a team already has, not only the kit's wrapper (which runs the newest 3.9.x in
 * every other test): 3.6.3, the floor of today's plugins, and 3.8.8, the line Debian 12 and Ubuntu 24.04 ship. The
 * post-generate step runs the webauthn-keys goals with that same Maven, so the plugin must accept it.
 */
class MavenVersionsIT {
    private static final Duration LIMIT = Duration.ofMinutes(5);

    @ParameterizedTest
    @ValueSource(strings = {"3.6.3", "3.8.8"})
    void generationWorksWithAnOlderMaven(String version) throws IOException {
        Path dir = GeneratedProject.newWorkDir("maven-" + version);
        Path source = Path.of(System.getProperty("kit.sourceDir", "..")).toAbsolutePath().normalize();
        Files.createDirectories(dir.resolve(".mvn/wrapper"));
        Files.copy(source.resolve("mvnw"), dir.resolve("mvnw"));
        dir.resolve("mvnw").toFile().setExecutable(true);
        String wrapper = Files.readString(source.resolve(".mvn/wrapper/maven-wrapper.properties"));
        Files.writeString(dir.resolve(".mvn/wrapper/maven-wrapper.properties"),
                wrapper.replaceAll("apache-maven/[0-9.]+/apache-maven-[0-9.]+-bin", "apache-maven/" + version
                        + "/apache-maven-" + version + "-bin"));
        Command.Result used = Command.run(dir, LIMIT, Map.of(), List.of("./mvnw", "-v")).assertSuccess("mvn -v");
        assertThat(used.output()).contains("Apache Maven " + version);

        GeneratedProject project = GeneratedProject.generateWith(dir.resolve("mvnw").toString(), dir,
                "maven-" + version.replace('.', '-'), Map.of("generateExamples", "none")).assertGenerated();

        assertThat(project.generation().output()).contains("Next steps:").doesNotContain("requires Maven version");
        assertThat(project.file("docker/secrets/jwt_signing_keys.json")).isRegularFile();
        assertThat(project.file("config/webauthn-jwks.json")).isRegularFile();
    }
}
