package io.github.webauthnkit.it.stack;

import io.github.webauthnkit.it.support.Command;
import io.github.webauthnkit.it.support.GeneratedProject;
import io.github.webauthnkit.it.support.Processes;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A generated project's {@code docker/docker-compose.yml} on the tests' engine, started as its README says, with the
 * stand-in base images. {@link #close()} takes it down with its volumes.
 */
public final class ComposeStack implements AutoCloseable {
    private static final Duration LIMIT = Duration.ofMinutes(10);
    private static List<String> cli;

    private final DockerEngine engine;
    private final GeneratedProject project;
    private final Map<String, String> environment;
    private final List<String> files = new ArrayList<>(List.of("-f", "docker/docker-compose.yml"));

    private ComposeStack(DockerEngine engine, GeneratedProject project, Map<String, String> environment) {
        this.engine = engine;
        this.project = project;
        this.environment = environment;
    }

    /**
     * {@code up}, with a Compose file of the test's own over the project's (for example limits a single test client
     * would otherwise hit); {@code overrides} is relative to the project directory.
     */
    public static ComposeStack upWith(GeneratedProject project, String overrides, Map<String, String> environment,
                                      String... upArgs) {
        return up(project, environment, List.of("-f", overrides), upArgs);
    }

    /** {@code up -d --build}, then waits until every service's health check passes. */
    public static ComposeStack up(GeneratedProject project, Map<String, String> extraEnvironment, String... upArgs) {
        return up(project, extraEnvironment, List.of(), upArgs);
    }

    private static ComposeStack up(GeneratedProject project, Map<String, String> extraEnvironment,
                                   List<String> extraFiles, String... upArgs) {
        DockerEngine engine = DockerEngine.get();
        Map<String, String> env = new HashMap<>(engine.environment());
        env.putAll(StandInImages.environment(engine));
        env.putAll(extraEnvironment);
        ComposeStack stack = new ComposeStack(engine, project, env);
        stack.files.addAll(extraFiles);
        List<String> args = new ArrayList<>(List.of("up", "-d", "--build"));
        args.addAll(List.of(upArgs));
        try {
            stack.compose(args.toArray(String[]::new)).assertSuccess("compose up");
            stack.awaitHealthy(Duration.ofMinutes(3));
        } catch (RuntimeException | AssertionError e) {
            System.out.println(stack.compose("logs", "--no-color", "--tail", "60").output());
            stack.close();
            throw e;
        }
        return stack;
    }

    /** The Compose CLI: the {@code docker compose} plugin, else Debian's {@code docker-compose} (named when used). */
    static synchronized List<String> cli(DockerEngine engine) {
        if (cli == null) {
            if (engine.docker("compose", "version").exitCode() == 0) {
                cli = List.of("docker", "compose");
                System.out.println("Compose CLI: " + engine.docker("compose", "version").output().strip());
            } else {
                cli = List.of("docker-compose");
                System.out.println("Compose CLI: docker-compose (fallback; the 'docker compose' plugin is missing): "
                        + Command.run(Path.of("."), LIMIT, Map.of(), List.of("docker-compose", "version", "--short"))
                        .output().strip());
            }
        }
        return cli;
    }

    public Command.Result compose(String... args) {
        List<String> command = new ArrayList<>(cli(engine));
        command.addAll(files);
        command.addAll(List.of(args));
        return Command.run(project.dir(), LIMIT, environment, command);
    }

    /** Container ids of the given services, or of the whole stack. */
    public List<String> containers(String... services) {
        List<String> args = new ArrayList<>(List.of("ps", "-q"));
        args.addAll(List.of(services));
        return compose(args.toArray(String[]::new)).assertSuccess("compose ps").output().strip().lines()
                .filter(line -> !line.isBlank()).toList();
    }

    public Command.Result docker(String... args) {
        return engine.docker(args);
    }

    public DockerEngine engine() {
        return engine;
    }

    public GeneratedProject project() {
        return project;
    }

    /** Waits until every container of the stack reports healthy (or runs without a health check). */
    public void awaitHealthy(Duration limit) {
        long deadline = System.nanoTime() + limit.toNanos();
        String last = "";
        while (System.nanoTime() < deadline) {
            List<String> ids = containers();
            if (!ids.isEmpty()) {
                List<String> inspect = new ArrayList<>(List.of("inspect", "--format",
                        "{{.Name}} {{.State.Status}} {{if .State.Health}}{{.State.Health.Status}}{{else}}none{{end}}"));
                inspect.addAll(ids);
                last = engine.docker(inspect.toArray(String[]::new)).output().strip();
                if (last.lines().allMatch(line -> line.endsWith(" running healthy") || line.endsWith(" running none"))) {
                    return;
                }
            }
            Processes.sleep(1000);
        }
        throw new AssertionError("The stack was not healthy within " + limit.toSeconds() + " s:\n" + last);
    }

    @Override
    public void close() {
        compose("down", "-v", "--remove-orphans");
    }
}
