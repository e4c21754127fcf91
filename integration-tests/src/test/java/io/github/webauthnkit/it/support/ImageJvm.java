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
 * cryptography library out of the jar, the AOT cache's training RUN instruction and the ENTRYPOINT's JVM options, with
 * the image's paths ({@code /app/server.jar}, {@code /app/native}, {@code /app/server.aot}) replaced by the project's
 * jar and a directory and a cache of the caller's choice ({@link Locations}), and the image's Java by a JDK of the
 * same feature release ({@link #jdk()}).
 */
public record ImageJvm(String toolOptions, String nativeRun, String trainingRun, List<String> serverOptions) {
    /** The server's start-up line (JSON logs) when the Amazon Corretto Crypto Provider signs, as in the image. */
    public static final String NATIVE_SIGNATURES =
            "{\"event\":\"crypto_provider\"},{\"provider\":\"AmazonCorrettoCryptoProvider\"}";
    private static final String IMAGE_JAR = "/app/server.jar";
    private static final String IMAGE_NATIVE = "/app/native";
    private static final String IMAGE_CACHE = "/app/server.aot";
    /** The image's Java (docker/Dockerfile's JRE_IMAGE), installed on the kit's test machines. */
    private static final String DEFAULT_JDK = "/usr/lib/jvm/temurin-25-jdk-amd64";
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
        String training = run(dockerfile, "-XX:AOTCacheOutput=" + IMAGE_CACHE);
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

    /**
     * The JDK that runs the image's lines here, of the image's Java feature release (the AOT cache needs 25):
     * {@code -Dkit.imageJdk=<JDK home>}, by default Temurin 25 where the kit's test machines have it.
     */
    public static Path jdk() {
        Path home = Path.of(System.getProperty("kit.imageJdk", DEFAULT_JDK));
        if (!Files.isExecutable(home.resolve("bin/java"))) {
            throw new AssertionError("No JDK at " + home + " (kit.imageJdk): the image's JVM lines need a JDK 25 there,"
                    + " or -Dkit.imageJdk=<the home of a JDK 25>");
        }
        return home;
    }

    /** The {@code java} of {@link #jdk()}, which starts the server as the image does. */
    public static String java() {
        return jdk().resolve("bin/java").toString();
    }

    /** The Java version of {@link #jdk()}, from its {@code release} file. */
    public static String javaVersion() {
        try {
            Matcher version = Pattern.compile("(?m)^JAVA_VERSION=\"(.+)\"$").matcher(Files.readString(jdk().resolve("release")));
            return version.find() ? version.group(1) : "(unknown)";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The environment the image's ENV gives its JVM: its JAVA_TOOL_OPTIONS, and {@code moreOptions} after them. */
    public Map<String, String> environment(String moreOptions) {
        return Map.of("JAVA_TOOL_OPTIONS", toolOptions + " " + moreOptions);
    }

    /** Where the image's files are outside it: the project's jar, the native library's directory, the AOT cache. */
    public record Locations(Path jar, Path nativeDir, Path cache) {
        private String local(String imageLine) {
            return imageLine.replace(IMAGE_JAR, jar.toString()).replace(IMAGE_NATIVE, nativeDir.toString())
                    .replace(IMAGE_CACHE, cache.toString());
        }
    }

    /** Runs the RUN instruction that copies the native library out of the jar into {@code paths.nativeDir()}. */
    public Command.Result copyNativeLibrary(Path dir, Locations paths, Duration limit) {
        return shell(dir, paths.local(nativeRun), Map.of(), limit);
    }

    /**
     * Runs the training RUN instruction, writing {@code paths.cache()}; {@code environment} (the image's
     * JAVA_TOOL_OPTIONS, say) is added. Run {@link #copyNativeLibrary} first, as the image build does.
     */
    public Command.Result train(Path dir, Locations paths, Map<String, String> environment, Duration limit) {
        return shell(dir, paths.local(trainingRun), environment, limit);
    }

    /** The ENTRYPOINT's JVM options (before {@code -jar}), with the library's directory and cache of {@code paths}. */
    public List<String> serverOptions(Locations paths) {
        return serverOptions.stream().map(paths::local).toList();
    }

    /**
     * Runs a command line with {@code sh}, as the image build runs a RUN instruction: {@link #jdk()}'s {@code java}
     * first on the PATH, and its JAVA_HOME.
     */
    public static Command.Result shell(Path dir, String script, Map<String, String> environment, Duration limit) {
        return shell(jdk(), dir, script, environment, limit);
    }

    /** The same with the {@code java} of another JDK, {@code home}. */
    public static Command.Result shell(Path home, Path dir, String script, Map<String, String> environment,
                                       Duration limit) {
        Map<String, String> env = new HashMap<>(environment);
        env.put("JAVA_HOME", home.toString());
        env.put("PATH", home.resolve("bin") + ":" + System.getenv("PATH"));
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
