package io.github.webauthnkit.it.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A project generated from the installed archetype, the way a user runs {@code mvn archetype:generate}, with the
 * Maven that runs these tests and the local repository this build installed the kit into.
 */
public final class GeneratedProject {
    private static final Duration GENERATE_LIMIT = Duration.ofMinutes(5);

    private final Path dir;
    private final Command.Result generation;

    private GeneratedProject(Path dir, Command.Result generation) {
        this.dir = dir;
        this.generation = generation;
    }

    /** The directory generated projects go to: one fresh folder per call under {@code target/generated-projects}. */
    public static Path newWorkDir(String name) {
        try {
            Path root = Path.of(System.getProperty("kit.workDir", "target/generated-projects")).toAbsolutePath();
            Files.createDirectories(root);
            return Files.createTempDirectory(root, name + "-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Generates {@code artifactId} into a fresh work directory and fails the test if generation fails. */
    public static GeneratedProject generate(String artifactId, Map<String, String> properties) {
        return generateInto(newWorkDir(artifactId), artifactId, properties).assertGenerated();
    }

    /** Generates into {@code parent}, returning the outcome whether it succeeded or not. */
    public static GeneratedProject generateInto(Path parent, String artifactId, Map<String, String> properties) {
        return generateWith(maven(), parent, artifactId, properties);
    }

    /** The same with another Maven: {@code mvn} is the command that runs it. */
    public static GeneratedProject generateWith(String mvn, Path parent, String artifactId,
                                                Map<String, String> properties) {
        Map<String, String> all = new LinkedHashMap<>();
        all.put("archetypeGroupId", "io.github.webauthnkit");
        all.put("archetypeArtifactId", "webauthn-client-archetype");
        all.put("archetypeVersion", kitVersion());
        all.put("groupId", "com.example.passkeys");
        all.put("artifactId", artifactId);
        all.put("version", "1.0.0-SNAPSHOT");
        all.put("interactiveMode", "false");
        all.put("outputDirectory", parent.toString());
        all.putAll(properties);
        List<String> command = new ArrayList<>(List.of(mvn, "-B", "-ntp"));
        command.add("org.apache.maven.plugins:maven-archetype-plugin:" + archetypePluginVersion() + ":generate");
        all.forEach((k, v) -> command.add("-D" + k + "=" + v));
        command.addAll(localRepositoryArgs());
        Command.Result result = Command.run(parent, GENERATE_LIMIT, Map.of(), command);
        return new GeneratedProject(parent.resolve(artifactId), result);
    }

    public GeneratedProject assertGenerated() {
        generation.assertSuccess("archetype:generate of " + dir.getFileName());
        return this;
    }

    public Path dir() {
        return dir;
    }

    public Path file(String relative) {
        return dir.resolve(relative);
    }

    public Command.Result generation() {
        return generation;
    }

    /** Runs the project's own Maven wrapper, as its users do. */
    public Command.Result mvnw(Duration limit, String... args) {
        List<String> command = new ArrayList<>(List.of("./mvnw", "-B", "-ntp"));
        command.addAll(List.of(args));
        command.addAll(localRepositoryArgs());
        return Command.run(dir, limit, Map.of(), command);
    }

    /**
     * Runs one of the project's scripts ({@code scripts/<name>.sh}) from the project directory with the bash of
     * {@link #bash()}, its Maven runs using this build's local repository.
     */
    public Command.Result script(Duration limit, String script, String... args) {
        List<String> command = bash(script);
        command.addAll(List.of(args));
        return Command.run(dir, limit, Map.of("MAVEN_ARGS", String.join(" ", localRepositoryArgs())), command);
    }

    /**
     * The bash that runs the scripts: {@code -Dkit.bash=<path>} names another (macOS ships bash 3.2; one built from
     * the GNU sources checks that the scripts run there), else the {@code bash} on the PATH in POSIX mode, which
     * refuses some of what bash 3.2 lacks too (the archetype's lint and shellcheck check the rest).
     */
    public static List<String> bash(String... arguments) {
        String bash = System.getProperty("kit.bash");
        List<String> command = new ArrayList<>(bash == null || bash.isBlank() ? List.of("bash", "--posix") : List.of(bash));
        command.addAll(List.of(arguments));
        return command;
    }

    public static String kitVersion() {
        return System.getProperty("kit.version", "0.1.0-SNAPSHOT");
    }

    private static String archetypePluginVersion() {
        return System.getProperty("kit.archetypePluginVersion", "3.4.1");
    }

    private static String maven() {
        String home = System.getProperty("kit.mavenHome");
        if (home == null || home.isBlank()) {
            throw new AssertionError("System property kit.mavenHome is not set: run these tests with './mvnw install'.");
        }
        return Path.of(home, "bin", "mvn").toString();
    }

    /** {@code -Dmaven.repo.local=...} for the repository this build installed the kit into, if it names one. */
    public static List<String> localRepositoryArgs() {
        String repo = System.getProperty("kit.localRepository");
        return repo == null || repo.isBlank() ? List.of() : List.of("-Dmaven.repo.local=" + repo);
    }
}
