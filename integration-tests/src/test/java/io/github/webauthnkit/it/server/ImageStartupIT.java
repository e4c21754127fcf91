package io.github.webauthnkit.it.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.webauthnkit.it.support.Command;
import io.github.webauthnkit.it.support.GeneratedProject;
import io.github.webauthnkit.it.support.ImageJvm;
import io.github.webauthnkit.it.support.RunningServer;
import io.github.webauthnkit.server.crypto.NativeLibrary;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The image's start-up path, run outside a container with the Dockerfile's own lines on the image's Java
 * ({@link ImageJvm#jdk}): a RUN copies the native cryptography library out of the jar, the AOT cache's training RUN
 * writes the cache and leaves nothing behind, and the server started with the ENTRYPOINT's options maps its classes
 * from that cache ({@code -XX:AOTMode=on} makes a missing or unusable cache a failed start), also when the build host
 * had far more memory than the container, warns of nothing, and signs with the Amazon Corretto Crypto Provider loaded
 * from the copied library, unpacking nothing at start-up. The generated README's commands for the same cache outside
 * Docker work as written (the cache also from another directory), and so do its commands for the native library.
 */
class ImageStartupIT {
    private static final Duration BUILD = Duration.ofMinutes(10);
    private static GeneratedProject project;

    @BeforeAll
    static void packageAProject() {
        project = GeneratedProject.generate("image-startup", Map.of("generateExamples", "none"));
        project.mvnw(BUILD, "package", "-DskipTests").assertSuccess("package of the generated project");
    }

    @Test
    void theTrainingRunsCacheIsWhatTheServerStartsFrom() throws Exception {
        ImageJvm image = ImageJvm.of(project);
        // Not the README's target/native and target/server.aot, which the tests of its commands below write.
        ImageJvm.Locations paths = new ImageJvm.Locations(project.file("target/image-startup.jar"),
                project.file("target/image-native"), project.file("target/image.aot"));
        Path cache = paths.cache();
        Path tmp = Files.createDirectories(project.file("target/training-tmp"));

        image.copyNativeLibrary(project.dir(), paths, BUILD).assertSuccess("the Dockerfile's native library RUN");
        assertThat(paths.nativeDir().resolve("libamazonCorrettoCryptoProvider.so")).isExecutable();
        List<String> properties = image.serverOptions().stream().filter(option -> option.startsWith("-D")).toList();
        assertThat(properties).as("the ENTRYPOINT's system properties").isNotEmpty();
        assertThat(image.trainingRun()).as("the training RUN loads the native library as the ENTRYPOINT does")
                .contains(properties);

        // Built on a host with far more memory than the 512m container that runs it: the cache must still fit.
        Command.Result trained = image.train(project.dir(), paths,
                image.environment("-XX:MaxRAM=200g -Djava.io.tmpdir=" + tmp), BUILD)
                .assertSuccess("the Dockerfile's training RUN");
        assertThat(trained.output()).contains("Training run done").contains(ImageJvm.NATIVE_SIGNATURES);
        assertThat(cache).isRegularFile();
        assertThat(Files.size(cache)).isGreaterThan(1_000_000);
        try (Stream<Path> left = Files.list(tmp)) {
            assertThat(left).as("files the training run left in its temporary directory").isEmpty();
        }

        Path classes = project.file("target/class-load.log");
        List<String> options = new ArrayList<>(image.serverOptions(paths));
        // A temporary directory that cannot be made (a file): had the provider's library to be unpacked there, the
        // JDK's providers would serve.
        Path noTmp = Files.writeString(project.file("target/not-a-directory"), "");
        options.addAll(List.of("-XX:AOTMode=on", "-Xlog:class+load=info:file=" + classes, "-Djava.io.tmpdir=" + noTmp));
        try (RunningServer server = RunningServer.start(project, image.environment("-XX:MaxRAM=512m"), ImageJvm.java(),
                options)) {
            assertThat(server.get("/.well-known/jwks.json").statusCode()).isEqualTo(200);
            // Java 22 and newer warn of the provider's native access unless the image's options enable it. (The same
            // JDK warns of the missing temporary directory above: that is this test's doing.)
            assertThat(server.log()).as("the server's JVM warns of nothing, the AOT cache and native access included")
                    .doesNotContain("[warning]").doesNotContain("WARNING: A restricted method");
            assertThat(server.log()).as("native signatures, the library loaded from its directory")
                    .contains(ImageJvm.NATIVE_SIGNATURES);
        }
        List<String> loaded = Files.readAllLines(classes);
        for (String type : List.of("io.github.webauthnkit.server.WebAuthnServer", "io.javalin.Javalin",
                "org.eclipse.jetty.server.Server", "com.fasterxml.jackson.databind.ObjectMapper")) {
            assertThat(loaded).as(type + " in the class-load log").anyMatch(line -> line.contains(" " + type + " "));
            assertThat(loaded).as(type + " mapped from the AOT cache")
                    .anyMatch(line -> line.endsWith(" " + type + " source: shared objects file"));
        }
        long fromCache = loaded.stream().filter(line -> line.contains("source: shared objects file")).count();
        assertThat(fromCache).as("classes mapped from the AOT cache, of " + loaded.size()).isGreaterThan(loaded.size() * 9 / 10);
        // Java 25 loads every class of the cache at start-up: it holds what a usual start needs, not Flyway, which only
        // a first start on a new database runs (the training migrates its database in a JVM of its own), nor the JDK's
        // HTTP client, which the server never uses.
        assertThat(loaded).as("Flyway or the JDK's HTTP client loaded from the AOT cache").noneMatch(line ->
                line.endsWith(" source: shared objects file") && (line.contains(" org.flywaydb.")
                        || line.contains(" jdk.internal.net.http.") || line.contains(" java.net.http.")));
    }

    @Test
    void theReadmesCacheCommandsStartTheServerAlsoFromAnotherDirectory() throws Exception {
        String readme = Files.readString(project.file("README.md"));
        String training = readmeLine(readme, "java -XX:AOTCacheOutput=");
        JavaLine start = JavaLine.of(readmeLine(readme, "java -XX:AOTCache="));
        ImageJvm.shell(project.dir(), training, Map.of(), BUILD).assertSuccess("the README's training command");
        Path cache = project.file("target/server.aot");
        assertThat(cache).isRegularFile();
        // A database of this test's own: RunningServer gives every start an absolute WEBAUTHN_DATA_DIR.
        Map<String, String> environment = new HashMap<>(Map.of("WEBAUTHN_DATA_DIR",
                project.file("target/readme-cache-data").toString()));

        // As written, from the project directory.
        assertThat(start.options()).as("the README's start command's options")
                .containsExactly("-XX:AOTCache=target/server.aot");
        List<String> options = new ArrayList<>(start.options());
        options.add("-XX:AOTMode=on");
        try (RunningServer server = RunningServer.start(project, environment, ImageJvm.java(), options, project.dir(),
                start.jar())) {
            assertThat(server.get("/").body()).contains("<!doctype html>");
        }

        // As a service manager starts it: another working directory, full paths. The cache was trained on a relative
        // class path; Java 25 then defines the classes it maps with a code source that has no location.
        Path elsewhere = Files.createDirectories(project.file("target/elsewhere"));
        Path classes = project.file("target/elsewhere-class-load.log");
        List<String> absolute = List.of("-XX:AOTCache=" + cache, "-XX:AOTMode=on",
                "-Xlog:class+load=info:file=" + classes);
        environment.put("WEBAUTHN_KEYS_FILE", project.file("docker/secrets/jwt_signing_keys.json").toString());
        try (RunningServer server = RunningServer.start(project, environment, ImageJvm.java(), absolute, elsewhere,
                project.file(start.jar()).toString())) {
            assertThat(server.get("/").body()).as("the web client").contains("<!doctype html>");
            assertThat(server.get("/app.js").statusCode()).isEqualTo(200);
        }
        assertThat(Files.readAllLines(classes)).as("the server's classes mapped from the AOT cache")
                .anyMatch(line -> line.endsWith(
                        " io.github.webauthnkit.server.WebAuthnServer source: shared objects file"));
    }

    @Test
    void theReadmesNativeLibraryCommandsSignNativelyWithoutUnpacking() throws Exception {
        String readme = Files.readString(project.file("README.md"));
        String copy = readmeLine(readme, "java -cp target/image-startup.jar " + NativeLibrary.class.getName() + " ");
        JavaLine start = JavaLine.of(readmeLine(readme, "java -Dcom.amazon.corretto.crypto.provider.useExternalLib="));
        // On the tests' Java, as on any host's.
        Path testsJdk = Path.of(System.getProperty("java.home"));
        ImageJvm.shell(testsJdk, project.dir(), copy, Map.of(), BUILD)
                .assertSuccess("the README's command that copies the native library");
        assertThat(project.file("target/native/libamazonCorrettoCryptoProvider.so")).isExecutable();

        // A temporary directory that cannot be made: had the library to be unpacked, the JDK's providers would serve.
        List<String> options = new ArrayList<>(start.options());
        options.add("-Djava.io.tmpdir=" + Files.writeString(project.file("target/no-tmp"), ""));
        Map<String, String> ownDatabase = Map.of("WEBAUTHN_DATA_DIR",
                project.file("target/readme-native-data").toString());
        try (RunningServer server = RunningServer.start(project, ownDatabase, Command.java(), options, project.dir(),
                start.jar())) {
            assertThat(server.log()).as("native signatures, the library loaded from target/native")
                    .contains(ImageJvm.NATIVE_SIGNATURES);
        }
    }

    /** A README line {@code java [options] -jar <jar>}: its options and its jar, as written. */
    private record JavaLine(List<String> options, String jar) {
        static JavaLine of(String line) {
            assertThat(line).startsWith("java ");
            List<String> words = List.of(line.substring("java ".length()).split(" "));
            int jar = words.indexOf("-jar");
            assertThat(jar).as("'-jar <path>' last in: " + line).isEqualTo(words.size() - 2);
            return new JavaLine(words.subList(0, jar), words.get(jar + 1));
        }
    }

    /** The one line of the README that starts with {@code prefix}. */
    private static String readmeLine(String readme, String prefix) {
        List<String> lines = readme.lines().filter(line -> line.startsWith(prefix)).toList();
        assertThat(lines).as("README lines starting with '" + prefix + "'").hasSize(1);
        return lines.get(0);
    }
}
