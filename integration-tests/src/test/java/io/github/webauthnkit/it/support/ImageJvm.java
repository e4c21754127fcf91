package io.github.webauthnkit.it.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How the generated project's image runs its JVM, read from its {@code docker/Dockerfile} so that tests and the
 * benchmark run exactly that outside a container: the JAVA_TOOL_OPTIONS, the class-data training RUN instruction and
 * the ENTRYPOINT's JVM options, with the image's paths ({@code /app/server.jar}, {@code /app/server.jsa}) replaced by
 * the project's jar and an archive of the caller's choice, and the image's JDK by this one.
 */
public record ImageJvm(String toolOptions, String trainingRun, List<String> serverOptions) {
    private static final String IMAGE_JAR = "/app/server.jar";
    private static final String IMAGE_ARCHIVE = "/app/server.jsa";
    private static final Pattern TOOL_OPTIONS = Pattern.compile("JAVA_TOOL_OPTIONS=\"([^\"]+)\"");
    /** The RUN instruction, with its continuation lines, that writes the archive. */
    private static final Pattern TRAINING = Pattern.compile("(?m)^RUN ((?:[^\\n]*\\\\\\n)*[^\\n]*)$");
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
        String training = null;
        Matcher run = TRAINING.matcher(dockerfile);
        while (run.find()) {
            if (run.group(1).contains("-XX:ArchiveClassesAtExit=" + IMAGE_ARCHIVE)) {
                training = run.group(1);
            }
        }
        if (training == null) {
            throw new AssertionError("docker/Dockerfile has no RUN writing " + IMAGE_ARCHIVE + ":\n" + dockerfile);
        }
        Matcher entrypoint = find(ENTRYPOINT, dockerfile, "ENTRYPOINT [\"java\", ..., \"-jar\", \"" + IMAGE_JAR + "\"]");
        List<String> serverOptions = new ArrayList<>();
        for (String quoted : entrypoint.group(1).split(",")) {
            String option = quoted.trim();
            if (!option.isEmpty()) {
                serverOptions.add(option.substring(1, option.length() - 1));
            }
        }
        return new ImageJvm(tool.group(1), training, List.copyOf(serverOptions));
    }

    /**
     * Runs the training RUN instruction with {@code sh}, as the image build does, writing {@code archive}; this JDK is
     * its {@code java} and JAVA_HOME, and {@code environment} (the image's JAVA_TOOL_OPTIONS, say) is added.
     */
    public Command.Result train(Path dir, Path jar, Path archive, Map<String, String> environment, Duration limit) {
        String home = System.getProperty("java.home");
        // The RUN makes the JDK's base archive when it is missing; here that would write into this JDK.
        if (!Files.isRegularFile(Path.of(home, "lib", "server", "classes.jsa"))) {
            throw new AssertionError("This JDK (" + home + ") has no base class-data archive (lib/server/classes.jsa),"
                    + " which Debian's and Temurin's JDKs ship; run `java -Xshare:dump` in it once");
        }
        String script = trainingRun.replace(IMAGE_JAR, jar.toString()).replace(IMAGE_ARCHIVE, archive.toString());
        Map<String, String> env = new HashMap<>(environment);
        env.put("JAVA_HOME", home);
        env.put("PATH", Path.of(home, "bin") + ":" + System.getenv("PATH"));
        return Command.run(dir, limit, env, List.of("sh", "-c", script));
    }

    /** The ENTRYPOINT's JVM options (before {@code -jar}), reading the archive from {@code archive}. */
    public List<String> serverOptions(Path archive) {
        return serverOptions.stream().map(option -> option.replace(IMAGE_ARCHIVE, archive.toString())).toList();
    }

    private static Matcher find(Pattern pattern, String dockerfile, String what) {
        Matcher matcher = pattern.matcher(dockerfile);
        if (!matcher.find()) {
            throw new AssertionError("docker/Dockerfile has no line " + what + ":\n" + dockerfile);
        }
        return matcher;
    }
}
