package io.github.webauthnkit.it.support;

import io.github.webauthnkit.server.crypto.NativeLibrary;
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
 * benchmark run exactly that outside a container: the JAVA_TOOL_OPTIONS, the RUN instruction that copies the native
 * cryptography library out of the jar, the class-data training RUN instruction and the ENTRYPOINT's JVM options, with
 * the image's paths ({@code /app/server.jar}, {@code /app/native}, {@code /app/server.jsa}) replaced by the project's
 * jar and a directory and an archive of the caller's choice ({@link Locations}), and the image's JDK by this one.
 */
public record ImageJvm(String toolOptions, String nativeRun, String trainingRun, List<String> serverOptions) {
    /** The server's start-up line (JSON logs) when the Amazon Corretto Crypto Provider signs, as in the image. */
    public static final String NATIVE_SIGNATURES =
            "{\"event\":\"crypto_provider\"},{\"provider\":\"AmazonCorrettoCryptoProvider\"}";
    private static final String IMAGE_JAR = "/app/server.jar";
    private static final String IMAGE_NATIVE = "/app/native";
    private static final String IMAGE_ARCHIVE = "/app/server.jsa";
    private static final Pattern TOOL_OPTIONS = Pattern.compile("JAVA_TOOL_OPTIONS=\"([^\"]+)\"");
    /** A RUN instruction with its continuation lines. */
    private static final Pattern RUN = Pattern.compile("(?m)^RUN ((?:[^\\n]*\\\\\\n)*[^\\n]*)$");
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
        String nativeRun = run(dockerfile, NativeLibrary.class.getName() + " " + IMAGE_NATIVE);
        String training = run(dockerfile, "-XX:ArchiveClassesAtExit=" + IMAGE_ARCHIVE);
        Matcher entrypoint = find(ENTRYPOINT, dockerfile, "ENTRYPOINT [\"java\", ..., \"-jar\", \"" + IMAGE_JAR + "\"]");
        List<String> serverOptions = new ArrayList<>();
        for (String quoted : entrypoint.group(1).split(",")) {
            String option = quoted.trim();
            if (!option.isEmpty()) {
                serverOptions.add(option.substring(1, option.length() - 1));
            }
        }
        return new ImageJvm(tool.group(1), nativeRun, training, List.copyOf(serverOptions));
    }

    /** Where the image's files are outside it: the project's jar, the native library's directory, the archive. */
    public record Locations(Path jar, Path nativeDir, Path archive) {
        private String local(String imageLine) {
            return imageLine.replace(IMAGE_JAR, jar.toString()).replace(IMAGE_NATIVE, nativeDir.toString())
                    .replace(IMAGE_ARCHIVE, archive.toString());
        }
    }

    /** Runs the RUN instruction that copies the native library out of the jar into {@code paths.nativeDir()}. */
    public Command.Result copyNativeLibrary(Path dir, Locations paths, Duration limit) {
        return build(dir, paths.local(nativeRun), Map.of(), limit);
    }

    /**
     * Runs the training RUN instruction, writing {@code paths.archive()}; {@code environment} (the image's
     * JAVA_TOOL_OPTIONS, say) is added. Run {@link #copyNativeLibrary} first, as the image build does.
     */
    public Command.Result train(Path dir, Locations paths, Map<String, String> environment, Duration limit) {
        String home = System.getProperty("java.home");
        // The RUN makes the JDK's base archive when it is missing; here that would write into this JDK.
        if (!Files.isRegularFile(Path.of(home, "lib", "server", "classes.jsa"))) {
            throw new AssertionError("This JDK (" + home + ") has no base class-data archive (lib/server/classes.jsa),"
                    + " which Debian's and Temurin's JDKs ship; run `java -Xshare:dump` in it once");
        }
        return build(dir, paths.local(trainingRun), environment, limit);
    }

    /** The ENTRYPOINT's JVM options (before {@code -jar}), with the library's directory and archive of {@code paths}. */
    public List<String> serverOptions(Locations paths) {
        return serverOptions.stream().map(paths::local).toList();
    }

    /** Runs a RUN instruction with {@code sh}, as the image build does; this JDK is its {@code java} and JAVA_HOME. */
    private static Command.Result build(Path dir, String script, Map<String, String> environment, Duration limit) {
        String home = System.getProperty("java.home");
        Map<String, String> env = new HashMap<>(environment);
        env.put("JAVA_HOME", home);
        env.put("PATH", Path.of(home, "bin") + ":" + System.getenv("PATH"));
        return Command.run(dir, limit, env, List.of("sh", "-c", script));
    }

    /** The text of the one RUN instruction that contains {@code marker}. */
    private static String run(String dockerfile, String marker) {
        List<String> found = new ArrayList<>();
        Matcher run = RUN.matcher(dockerfile);
        while (run.find()) {
            if (run.group(1).contains(marker)) {
                found.add(run.group(1));
            }
        }
        if (found.size() != 1) {
            throw new AssertionError("docker/Dockerfile has " + found.size() + " RUN instructions with '" + marker
                    + "', not one:\n" + dockerfile);
        }
        return found.get(0);
    }

    private static Matcher find(Pattern pattern, String dockerfile, String what) {
        Matcher matcher = pattern.matcher(dockerfile);
        if (!matcher.find()) {
            throw new AssertionError("docker/Dockerfile has no line " + what + ":\n" + dockerfile);
        }
        return matcher;
    }
}
