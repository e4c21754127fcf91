package io.github.webauthnkit.it.archetype;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.webauthnkit.it.support.GeneratedProject;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Test;

/**
 * A second {@code ./mvnw package} without {@code clean} builds the runnable jar from this build's inputs: after an
 * upgrade of the kit, the new server's classes, never the ones an earlier runnable jar carried.
 */
class RepackageIT {
    private static final Duration BUILD = Duration.ofMinutes(5);
    private static final String LEFTOVER = "leftover/from-an-earlier-build.txt";

    @Test
    void packageWithoutCleanDoesNotShadeTheLastRunnableJarAgain() throws Exception {
        GeneratedProject project = GeneratedProject.generate("repackage", Map.of("generateExamples", "none"));
        project.mvnw(BUILD, "-o", "package", "-DskipTests").assertSuccess("first package");
        Path jar = project.file("target/repackage.jar");
        // Stands for what an earlier build's runnable jar held that this build's inputs no longer do (an older
        // server's classes, say).
        add(jar, LEFTOVER);

        project.mvnw(BUILD, "-o", "package", "-DskipTests").assertSuccess("second package, without clean");

        try (ZipFile runnable = new ZipFile(jar.toFile())) {
            assertThat(runnable.getEntry(LEFTOVER)).as("an entry of the earlier runnable jar").isNull();
            assertThat(runnable.getEntry("io/github/webauthnkit/server/WebAuthnServer.class")).isNotNull();
        }
    }

    private static void add(Path jar, String entry) throws IOException {
        try (FileSystem zip = FileSystems.newFileSystem(URI.create("jar:" + jar.toUri()), Map.of())) {
            Path file = zip.getPath(entry);
            Files.createDirectories(file.getParent());
            Files.writeString(file, "left over", StandardCharsets.UTF_8);
        }
    }
}
