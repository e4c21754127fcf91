package io.github.webauthnkit.it.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.webauthnkit.it.support.Command;
import io.github.webauthnkit.it.support.GeneratedProject;
import io.github.webauthnkit.it.support.ImageJvm;
import io.github.webauthnkit.it.support.RunningServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The image's start-up path, run outside a container with the Dockerfile's own lines: a RUN copies the native
 * cryptography library out of the jar, the class-data training RUN writes an archive and leaves nothing behind, and
 * the server started with the ENTRYPOINT's options maps its classes from that archive ({@code -Xshare:on} makes a
 * missing or unusable archive a failed start), also when the build host had far more memory than the container, and
 * signs with the Amazon Corretto Crypto Provider loaded from the copied library, unpacking nothing at start-up.
 */
class ImageStartupIT {
    private static final Duration BUILD = Duration.ofMinutes(10);

    @Test
    void theTrainingRunsArchiveIsWhatTheServerStartsFrom() throws Exception {
        GeneratedProject project = GeneratedProject.generate("image-startup", Map.of("generateExamples", "none"));
        project.mvnw(BUILD, "package", "-DskipTests").assertSuccess("package of the generated project");
        ImageJvm image = ImageJvm.of(project);
        ImageJvm.Locations paths = new ImageJvm.Locations(project.file("target/image-startup.jar"),
                project.file("target/native"), project.file("target/server.jsa"));
        Path archive = paths.archive();
        Path tmp = Files.createDirectories(project.file("target/training-tmp"));

        image.copyNativeLibrary(project.dir(), paths, BUILD).assertSuccess("the Dockerfile's native library RUN");
        assertThat(paths.nativeDir().resolve("libamazonCorrettoCryptoProvider.so")).isExecutable();
        List<String> properties = image.serverOptions().stream().filter(option -> option.startsWith("-D")).toList();
        assertThat(properties).as("the ENTRYPOINT's system properties").isNotEmpty();
        assertThat(image.trainingRun()).as("the training RUN loads the native library as the ENTRYPOINT does")
                .contains(properties);

        // Built on a host with far more memory than the 512m container that runs it: the archive must still fit.
        Command.Result trained = image.train(project.dir(), paths, Map.of("JAVA_TOOL_OPTIONS",
                image.toolOptions() + " -XX:MaxRAM=200g -Djava.io.tmpdir=" + tmp), BUILD)
                .assertSuccess("the Dockerfile's training RUN");
        assertThat(trained.output()).contains("Training run done").contains(ImageJvm.NATIVE_SIGNATURES);
        assertThat(archive).isRegularFile();
        assertThat(Files.size(archive)).isGreaterThan(1_000_000);
        try (Stream<Path> left = Files.list(tmp)) {
            assertThat(left).as("files the training run left in its temporary directory").isEmpty();
        }

        Path classes = project.file("target/class-load.log");
        List<String> options = new ArrayList<>(image.serverOptions(paths));
        // A temporary directory that cannot be made (a file): had the provider's library to be unpacked there, the
        // JDK's providers would serve.
        Path noTmp = Files.writeString(project.file("target/not-a-directory"), "");
        options.addAll(List.of("-Xshare:on", "-Xlog:class+load=info:file=" + classes, "-Djava.io.tmpdir=" + noTmp));
        try (RunningServer server = RunningServer.start(project, Map.of("JAVA_TOOL_OPTIONS",
                image.toolOptions() + " -XX:MaxRAM=512m"), options)) {
            assertThat(server.get("/.well-known/jwks.json").statusCode()).isEqualTo(200);
            assertThat(server.log()).as("the server's JVM warns of nothing, CDS included").doesNotContain("[warning]");
            assertThat(server.log()).as("native signatures, the library loaded from its directory")
                    .contains(ImageJvm.NATIVE_SIGNATURES);
        }
        List<String> loaded = Files.readAllLines(classes);
        for (String type : List.of("io.github.webauthnkit.server.WebAuthnServer", "io.javalin.Javalin",
                "org.eclipse.jetty.server.Server", "com.fasterxml.jackson.databind.ObjectMapper")) {
            assertThat(loaded).as(type + " in the class-load log").anyMatch(line -> line.contains(" " + type + " "));
            assertThat(loaded).as(type + " mapped from the archive")
                    .anyMatch(line -> line.contains(" " + type + " source: shared objects file (top)"));
        }
        long fromArchive = loaded.stream().filter(line -> line.contains("source: shared objects file")).count();
        assertThat(fromArchive).as("classes mapped from an archive, of " + loaded.size()).isGreaterThan(loaded.size() * 8 / 10);
    }
}
