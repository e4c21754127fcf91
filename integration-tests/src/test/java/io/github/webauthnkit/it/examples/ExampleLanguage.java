package io.github.webauthnkit.it.examples;

import io.github.webauthnkit.it.support.Command;
import io.github.webauthnkit.it.support.GeneratedProject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How each language's example is installed and run in a generated project, exactly as its README tells a user:
 * from {@code examples/<language>/}, with the language's own package manager and registry.
 */
enum ExampleLanguage {
    PYTHON("python",
            List.of(List.of("python3", "-m", "venv", ".venv"),
                    List.of(".venv/bin/pip", "install", "--quiet", "-r", "requirements.txt")),
            List.of(".venv/bin/python", "jwt-verification.py"),
            List.of(".venv/bin/python", "token-exchange.py"),
            new Toolchain("Python", List.of("python3", "--version"), "Python ([0-9.]+)",
                    "requirements.txt", "with Python ([0-9.]+)")),
    TYPESCRIPT("typescript",
            List.of(List.of("npm", "ci", "--no-audit", "--no-fund"), List.of("npm", "run", "typecheck")),
            List.of("node_modules/.bin/tsx", "jwt-verification.ts"),
            List.of("node_modules/.bin/tsx", "token-exchange.ts"),
            new Toolchain("Node.js", List.of("node", "--version"), "v([0-9.]+)",
                    "package.json", "\"node\": \">=([0-9.]+)\"")),
    JAVA("java",
            List.of(mavenPackage()),
            List.of(Command.java(), "-cp", "target/webauthn-examples.jar", "JWTVerifier"),
            List.of(Command.java(), "-cp", "target/webauthn-examples.jar", "TokenExchange"),
            new Toolchain("Java", List.of(Command.java(), "-version"), "version \"([0-9.]+)",
                    "pom.xml", "<maven.compiler.release>([0-9]+)<")),
    GO("go",
            List.of(List.of("go", "build", "-o", "bin/", "./..."), List.of("go", "vet", "./...")),
            List.of("bin/jwt_verification"),
            List.of("bin/token_exchange"),
            new Toolchain("Go", List.of("go", "env", "GOVERSION"), "go([0-9.]+)", "go.mod", "(?m)^go ([0-9.]+)$"));

    final String dir;
    final List<List<String>> install;
    final List<String> verifier;
    final List<String> exchange;
    final Toolchain toolchain;

    ExampleLanguage(String dir, List<List<String>> install, List<String> verifier, List<String> exchange,
                    Toolchain toolchain) {
        this.dir = dir;
        this.install = install;
        this.verifier = verifier;
        this.exchange = exchange;
        this.toolchain = toolchain;
    }

    /**
     * How to ask the installed toolchain its version, and where the example states the least it needs.
     *
     * @param versionOutput a pattern whose group 1 is the version in the output of {@code versionCommand}
     * @param requirement   a pattern whose group 1 is the minimum version in {@code file} of the example
     */
    record Toolchain(String name, List<String> versionCommand, String versionOutput, String file, String requirement) {
    }

    /** The least version of its toolchain the example states, read from its own file. */
    String minimumVersion(Path examplesDir) {
        Path file = examplesDir.resolve(dir).resolve(toolchain.file());
        try {
            Matcher m = Pattern.compile(toolchain.requirement()).matcher(Files.readString(file));
            if (!m.find()) {
                throw new AssertionError(file + " states no " + toolchain.name() + " version (" + toolchain.requirement()
                        + ")");
            }
            return m.group(1);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Fails, naming the version needed, when this machine's toolchain is missing or older than the example needs. */
    void requireToolchain(Path examplesDir) {
        String minimum = minimumVersion(examplesDir);
        String needed = toolchain.name() + " " + minimum + " or newer is needed by examples/" + dir + " ("
                + toolchain.file() + ")";
        Command.Result result;
        try {
            result = Command.run(examplesDir, Duration.ofSeconds(30), Map.of(), toolchain.versionCommand());
        } catch (UncheckedIOException e) {
            throw new AssertionError(needed + "; '" + toolchain.versionCommand().get(0) + "' is not installed", e);
        }
        Matcher installed = Pattern.compile(toolchain.versionOutput()).matcher(result.output());
        if (result.exitCode() != 0 || !installed.find()) {
            throw new AssertionError(needed + "; " + String.join(" ", toolchain.versionCommand()) + " answered: "
                    + result.output().strip());
        }
        if (compareVersions(installed.group(1), minimum) < 0) {
            throw new AssertionError(needed + "; this machine has " + installed.group(1) + ". Install "
                    + toolchain.name() + " " + minimum + " or newer (.ci/run installs it on Debian).");
        }
    }

    Path directory(GeneratedProject project) {
        return project.file("examples/" + dir);
    }

    /** A relative program path is the example directory's (ProcessBuilder would look it up on the PATH). */
    List<String> command(GeneratedProject project, List<String> program, List<String> args) {
        List<String> command = new ArrayList<>(program);
        if (command.get(0).contains("/") && !command.get(0).startsWith("/")) {
            command.set(0, directory(project).resolve(command.get(0)).normalize().toString());
        }
        command.addAll(args);
        return command;
    }

    /** Compares dotted versions part by part, numerically; a missing part counts as 0 (Runtime.Version refuses 1.26.0). */
    private static int compareVersions(String a, String b) {
        String[] x = a.split("\\.");
        String[] y = b.split("\\.");
        for (int i = 0; i < Math.max(x.length, y.length); i++) {
            int c = Integer.compare(i < x.length ? Integer.parseInt(x[i]) : 0, i < y.length ? Integer.parseInt(y[i]) : 0);
            if (c != 0) {
                return c;
            }
        }
        return 0;
    }

    private static List<String> mavenPackage() {
        List<String> command = new ArrayList<>(List.of("../../mvnw", "-B", "-ntp", "-q", "package", "-DskipTests"));
        command.addAll(GeneratedProject.localRepositoryArgs());
        return command;
    }
}
