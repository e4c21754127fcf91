package io.github.webauthnkit.it.examples;

import io.github.webauthnkit.it.support.Command;
import io.github.webauthnkit.it.support.GeneratedProject;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * How each language's example is installed and run in a generated project, exactly as its README tells a user:
 * from {@code examples/<language>/}, with the language's own package manager and registry.
 */
enum ExampleLanguage {
    PYTHON("python",
            List.of(List.of("python3", "-m", "venv", ".venv"),
                    List.of(".venv/bin/pip", "install", "--quiet", "-r", "requirements.txt")),
            List.of(".venv/bin/python", "jwt-verification.py"),
            List.of(".venv/bin/python", "token-exchange.py")),
    TYPESCRIPT("typescript",
            List.of(List.of("npm", "ci", "--no-audit", "--no-fund"), List.of("npm", "run", "typecheck")),
            List.of("node_modules/.bin/tsx", "jwt-verification.ts"),
            List.of("node_modules/.bin/tsx", "token-exchange.ts")),
    JAVA("java",
            List.of(mavenPackage()),
            List.of(Command.java(), "-cp", "target/webauthn-examples.jar", "JWTVerifier"),
            List.of(Command.java(), "-cp", "target/webauthn-examples.jar", "TokenExchange")),
    GO("go",
            List.of(List.of("go", "build", "-o", "bin/", "./..."), List.of("go", "vet", "./...")),
            List.of("bin/jwt_verification"),
            List.of("bin/token_exchange"));

    final String dir;
    final List<List<String>> install;
    final List<String> verifier;
    final List<String> exchange;

    ExampleLanguage(String dir, List<List<String>> install, List<String> verifier, List<String> exchange) {
        this.dir = dir;
        this.install = install;
        this.verifier = verifier;
        this.exchange = exchange;
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

    private static List<String> mavenPackage() {
        List<String> command = new ArrayList<>(List.of("../../mvnw", "-B", "-ntp", "-q", "package", "-DskipTests"));
        command.addAll(GeneratedProject.localRepositoryArgs());
        return command;
    }
}
