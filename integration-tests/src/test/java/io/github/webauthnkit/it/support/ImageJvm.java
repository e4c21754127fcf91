package io.github.webauthnkit.it.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How the generated project's image runs its JVM, read from its {@code docker/Dockerfile} so that tests and the
 * benchmark run exactly that outside a container: the JAVA_TOOL_OPTIONS, the class-data training run and the
 * ENTRYPOINT's JVM options, with the image's paths ({@code /app/server.jar}, {@code /app/server.jsa}) replaced by the
 * project's jar and an archive of the caller's choice.
 */
public record ImageJvm(String toolOptions, List<String> trainingOptions, String trainingMainClass,
                       List<String> serverOptions) {
    private static final String IMAGE_JAR = "/app/server.jar";
    private static final String IMAGE_ARCHIVE = "/app/server.jsa";
    private static final Pattern TOOL_OPTIONS = Pattern.compile("JAVA_TOOL_OPTIONS=\"([^\"]+)\"");
    private static final Pattern TRAINING = Pattern.compile("(?m)^RUN java (.+) -cp " + Pattern.quote(IMAGE_JAR)
            + " (\\S+)$");
    private static final Pattern ENTRYPOINT = Pattern.compile("(?m)^ENTRYPOINT \\[\"java\", (.*)\"-jar\", \""
            + Pattern.quote(IMAGE_JAR) + "\"]$");

    public static ImageJvm of(GeneratedProject project) {
        String dockerfile;
        try {
            dockerfile = Files.readString(project.file("docker/Dockerfile"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Matcher tool = find(TOOL_OPTIONS, dockerfile, "JAVA_TOOL_OPTIONS=\"...\"");
        Matcher training = find(TRAINING, dockerfile, "RUN java ... -cp " + IMAGE_JAR + " <main class>");
        Matcher entrypoint = find(ENTRYPOINT, dockerfile, "ENTRYPOINT [\"java\", ..., \"-jar\", \"" + IMAGE_JAR + "\"]");
        List<String> serverOptions = new ArrayList<>();
        for (String quoted : entrypoint.group(1).split(",")) {
            String option = quoted.trim();
            if (!option.isEmpty()) {
                serverOptions.add(option.substring(1, option.length() - 1));
            }
        }
        return new ImageJvm(tool.group(1), Arrays.asList(training.group(1).split(" ")), training.group(2),
                List.copyOf(serverOptions));
    }

    /** The training run's command line, writing its archive to {@code archive}. */
    public List<String> trainingCommand(Path jar, Path archive) {
        List<String> command = new ArrayList<>(List.of(java()));
        trainingOptions.forEach(option -> command.add(local(option, archive)));
        command.addAll(List.of("-cp", jar.toString(), trainingMainClass));
        return command;
    }

    /** The ENTRYPOINT's JVM options (before {@code -jar}), reading the archive from {@code archive}. */
    public List<String> serverOptions(Path archive) {
        return serverOptions.stream().map(option -> local(option, archive)).toList();
    }

    public static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    private static String local(String option, Path archive) {
        return option.replace(IMAGE_ARCHIVE, archive.toString());
    }

    private static Matcher find(Pattern pattern, String dockerfile, String what) {
        Matcher matcher = pattern.matcher(dockerfile);
        if (!matcher.find()) {
            throw new AssertionError("docker/Dockerfile has no line " + what + ":\n" + dockerfile);
        }
        return matcher;
    }
}
