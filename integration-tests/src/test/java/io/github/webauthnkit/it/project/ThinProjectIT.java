package io.github.webauthnkit.it.project;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.webauthnkit.it.support.Command;
import io.github.webauthnkit.it.support.GeneratedProject;
import io.github.webauthnkit.it.support.RunningServer;
import io.github.webauthnkit.server.testing.ScratchFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * A generated project is thin: its build needs nothing but a JDK, and the server it runs is the webauthn-server
 * library at the version its pom names, so upgrading is that one line.
 */
class ThinProjectIT {
    private static final Duration BUILD = Duration.ofMinutes(10);
    /** What the library's own tests need and a project's {@code package} must not. */
    private static final Pattern HEAVY = Pattern.compile(
            "postgres.*|pg_.*|psql|initdb|redis-.*|chrom.*|docker.*|dockerd|containerd.*");
    private static final String NEWER = "0.1.1-upgrade-test";

    @Test
    void packageRunsTheSmokeSuiteWithNothingButAJdk() throws Exception {
        GeneratedProject project = GeneratedProject.generate("jdk-only", Map.of("generateExamples", "none"));
        Path bin = jdkOnlyBin();
        Map<String, String> env = Map.of("PATH", Path.of(System.getProperty("java.home"), "bin") + ":" + bin);
        Command.Result absent = Command.run(project.dir(), BUILD, env, List.of(bin.resolve("bash").toString(), "-c",
                "for t in postgres pg_ctl initdb redis-server chromium chromedriver docker; do command -v $t && exit 1;"
                        + " done; echo none-found"));
        assertThat(absent.output()).as("PostgreSQL, Redis, Chromium and Docker are off the PATH").contains("none-found");

        Command.Result build = Command.run(project.dir(), BUILD, env, withRepository(List.of("./mvnw", "-B", "-ntp",
                "package"))).assertSuccess("./mvnw package with only a JDK");

        assertThat(build.output()).containsPattern("Tests run: [5-9], Failures: 0, Errors: 0, Skipped: 0, .* in "
                + "com\\.example\\.passkeys\\.SmokeTest").contains("BUILD SUCCESS");
        assertThat(project.file("target/jdk-only.jar")).isRegularFile();
        try (Stream<Path> sources = Files.walk(project.file("src"))) {
            assertThat(sources.filter(p -> p.toString().endsWith(".java")).map(p -> p.getFileName().toString()))
                    .as("no ceremony, token, storage or HTTP code in the project").containsExactlyInAnyOrder(
                            "Application.java", "SmokeTest.java");
        }
    }

    @Test
    void upgradingTheKitIsOneLineInThePom() throws Exception {
        GeneratedProject project = GeneratedProject.generate("upgrade", Map.of("generateExamples", "none"));
        Path newer = installNewerKit();

        Path pom = project.file("pom.xml");
        String before = Files.readString(pom);
        String line = "<webauthn-kit.version>" + GeneratedProject.kitVersion() + "</webauthn-kit.version>";
        assertThat(before).containsOnlyOnce(line);
        Files.writeString(pom, before.replace(line, "<webauthn-kit.version>" + NEWER + "</webauthn-kit.version>"));

        Command.Result build = project.mvnw(BUILD, "package").assertSuccess("package against " + NEWER);
        assertThat(build.output()).containsPattern("Tests run: [5-9], Failures: 0, Errors: 0, Skipped: 0, .* in "
                + "com\\.example\\.passkeys\\.SmokeTest");
        try (RunningServer server = RunningServer.start(project, Map.of())) {
            assertThat(server.log()).contains("Passkey server " + NEWER + " ready");
            assertThat(server.get("/upgrade-marker.txt").body()).as("the newer library's web client is served")
                    .isEqualTo(Files.readString(newer.resolve(MARKER)));
            assertThat(server.get("/theme.css").body()).as("the project's own files still take precedence")
                    .isEqualTo(Files.readString(project.file("src/main/resources/static/theme.css")));
        }
    }

    private static final String MARKER = "webauthn-server/src/main/resources/webauthn-server/static/upgrade-marker.txt";

    /**
     * Installs the kit's libraries and plugin once more under another version, into the same local repository, with
     * a file the current version does not have, as a release with a fix would be.
     */
    private static Path installNewerKit() throws IOException {
        Path source = Path.of(System.getProperty("kit.sourceDir", "..")).toAbsolutePath().normalize();
        Path copy = GeneratedProject.newWorkDir("kit-" + NEWER);
        for (String file : List.of("pom.xml", "mvnw", ".mvn/wrapper/maven-wrapper.properties")) {
            Files.createDirectories(copy.resolve(file).getParent());
            Files.copy(source.resolve(file), copy.resolve(file));
        }
        copy.resolve("mvnw").toFile().setExecutable(true);
        for (String module : List.of("webauthn-keys-core", "webauthn-keys-maven-plugin", "webauthn-server")) {
            copyTree(source.resolve(module), copy.resolve(module));
        }
        try (Stream<Path> poms = Files.walk(copy, 2)) {
            for (Path pom : poms.filter(p -> p.getFileName().toString().equals("pom.xml")).toList()) {
                Files.writeString(pom, Files.readString(pom).replace(GeneratedProject.kitVersion(), NEWER));
            }
        }
        Path root = copy.resolve("pom.xml");
        Files.writeString(root, Files.readString(root).replaceAll("\\s*<module>(webauthn-client-archetype|integration-tests)"
                + "</module>", ""));
        Files.writeString(copy.resolve(MARKER), "served by " + NEWER + "\n");
        Command.run(copy, BUILD, Map.of(), withRepository(List.of("./mvnw", "-B", "-ntp", "-q", "install",
                "-DskipTests", "-Dinvoker.skip=true"))).assertSuccess("install of the kit as " + NEWER);
        return copy;
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> walk = Files.walk(from)) {
            for (Path p : walk.filter(p -> !from.relativize(p).startsWith("target")).toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target);
                }
            }
        }
    }

    private static List<String> withRepository(List<String> command) {
        List<String> all = new ArrayList<>(command);
        all.addAll(GeneratedProject.localRepositoryArgs());
        return all;
    }

    /** A directory of links to this machine's commands, less PostgreSQL, Redis, Chromium and Docker. */
    private static Path jdkOnlyBin() throws IOException {
        Path bin = ScratchFiles.directory("jdk-only-bin");
        for (String dir : List.of("/usr/local/bin", "/usr/bin", "/bin", "/usr/sbin", "/sbin")) {
            Path d = Path.of(dir);
            if (!Files.isDirectory(d)) {
                continue;
            }
            try (Stream<Path> commands = Files.list(d)) {
                for (Path command : commands.toList()) {
                    String name = command.getFileName().toString();
                    Path link = bin.resolve(name);
                    if (!HEAVY.matcher(name).matches() && Files.isExecutable(command) && !Files.exists(link)) {
                        try {
                            Files.createSymbolicLink(link, command.toRealPath());
                        } catch (IOException | UncheckedIOException e) {
                            // a dangling link on this machine: leave it out
                        }
                    }
                }
            }
        }
        return bin;
    }
}
