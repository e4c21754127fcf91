package io.github.webauthnkit.it.stack;

import io.github.webauthnkit.it.support.Command;
import io.github.webauthnkit.it.support.Processes;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A Docker engine of the tests' own: {@code dockerd} started as root with its data root, exec root and socket in a
 * temporary directory, once per test JVM, and stopped (with everything it ran) when the JVM exits. The {@code overlay2}
 * storage driver is tried first, {@code vfs} only if it fails; which one ran is printed.
 */
public final class DockerEngine {
    private static final Duration START_LIMIT = Duration.ofSeconds(60);
    private static DockerEngine running;

    private final Path dir;
    private final Process daemon;
    private final String driver;

    private DockerEngine(Path dir, Process daemon, String driver) {
        this.dir = dir;
        this.daemon = daemon;
        this.driver = driver;
    }

    /** The engine of this test run, started on first use. */
    public static synchronized DockerEngine get() {
        if (running == null) {
            running = start();
            Runtime.getRuntime().addShutdownHook(new Thread(running::stop, "docker-engine-stop"));
        }
        return running;
    }

    private static DockerEngine start() {
        if (!"root".equals(System.getProperty("user.name"))) {
            throw new AssertionError("The stack tests start their own Docker engine and need root (as .ci/run runs them).");
        }
        for (String command : List.of("dockerd", "docker", "debootstrap")) {
            if (Command.run(Path.of("."), Duration.ofSeconds(10), Map.of(), List.of("sh", "-c", "command -v " + command))
                    .exitCode() != 0) {
                throw new AssertionError(command + " is not installed: apt-get install docker.io debootstrap"
                        + " (see .ci/run).");
            }
        }
        List<String> failures = new ArrayList<>();
        for (String driver : List.of("overlay2", "vfs")) {
            try {
                // Short: the engine's sockets live below it, and a unix socket path has at most 107 characters.
                Path dir = Files.createTempDirectory(Path.of("/tmp"), "wkd-");
                Path log = dir.resolve("dockerd.log");
                Process daemon = new ProcessBuilder("dockerd", "--data-root", dir.resolve("data").toString(),
                        "--exec-root", dir.resolve("exec").toString(), "-H", "unix://" + dir.resolve("docker.sock"),
                        "--pidfile", dir.resolve("docker.pid").toString(), "--storage-driver", driver)
                        .redirectErrorStream(true).redirectOutput(log.toFile()).start();
                DockerEngine engine = new DockerEngine(dir, daemon, driver);
                if (engine.awaitReady()) {
                    System.out.println("Docker engine: dockerd " + engine.docker("version", "--format",
                            "{{.Server.Version}}").output().strip() + " with the " + driver + " storage driver, "
                            + engine.host());
                    return engine;
                }
                failures.add(driver + ": " + Files.readString(log));
                engine.stop();
            } catch (IOException e) {
                failures.add(driver + ": " + e.getMessage());
            }
        }
        throw new AssertionError("dockerd did not start:\n" + String.join("\n", failures));
    }

    private boolean awaitReady() {
        long deadline = System.nanoTime() + START_LIMIT.toNanos();
        while (System.nanoTime() < deadline && daemon.isAlive()) {
            if (Command.run(dir, Duration.ofSeconds(10), environment(), List.of("docker", "info")).exitCode() == 0) {
                return true;
            }
            Processes.sleep(250);
        }
        return false;
    }

    public String host() {
        return "unix://" + dir.resolve("docker.sock");
    }

    public String storageDriver() {
        return driver;
    }

    /** DOCKER_HOST for the docker and Compose commands. */
    public Map<String, String> environment() {
        return Map.of("DOCKER_HOST", host());
    }

    /** Runs {@code docker} against this engine. */
    public Command.Result docker(String... args) {
        return docker(Duration.ofMinutes(10), args);
    }

    public Command.Result docker(Duration limit, String... args) {
        List<String> command = new ArrayList<>(List.of("docker"));
        command.addAll(List.of(args));
        return Command.run(dir, limit, environment(), command);
    }

    /** Removes what still runs and stops the daemon, also when a step before fails. */
    private void stop() {
        long started = System.nanoTime();
        try {
            if (daemon.isAlive()) {
                Command.Result left = docker(Duration.ofSeconds(30), "ps", "-aq");
                if (left.exitCode() == 0 && !left.output().isBlank()) {
                    List<String> remove = new ArrayList<>(List.of("rm", "-f", "-v"));
                    remove.addAll(left.output().strip().lines().toList());
                    docker(Duration.ofMinutes(1), remove.toArray(String[]::new));
                }
            }
        } catch (RuntimeException | AssertionError e) {
            System.out.println("Docker engine: removing its containers failed (" + e + "); stopping it anyway");
        } finally {
            daemon.destroy();
            try {
                if (!daemon.waitFor(30, TimeUnit.SECONDS)) {
                    // Forced, it leaves its containerd and shims behind unless they go too.
                    daemon.descendants().forEach(ProcessHandle::destroyForcibly);
                    daemon.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            Command.run(Path.of("/"), Duration.ofMinutes(2), Map.of(), List.of("rm", "-rf", dir.toString()));
        }
        System.out.printf("Docker engine stopped and its data root removed in %.1f s%n",
                (System.nanoTime() - started) / 1e9);
    }

    /** A file of this engine's scratch directory, for logs and build contexts. */
    Path scratch(String name) {
        try {
            return Files.createDirectories(dir.resolve("scratch")).resolve(name);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
