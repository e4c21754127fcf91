package io.github.webauthnkit.server.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * A real PostgreSQL server from the machine's installation (Debian package {@code postgresql}), started on a free
 * loopback port with password authentication, for the tests. PostgreSQL refuses to run as root, so under root it
 * runs as the {@code postgres} system user the package creates. {@link #close()} stops it and deletes its files, and
 * so does a watcher when the tests' JVM ends without closing it (see {@link LocalProcess#cleanUpAfterThisJvm}).
 */
public final class PostgresServer implements AutoCloseable {
    private final Path bin;
    private final Path dir;
    private final Path data;
    private final Path passwordFile;
    private final int port;
    private Process watcher;

    private PostgresServer(Path bin, Path dir, Path passwordFile, int port) {
        this.bin = bin;
        this.dir = dir;
        this.data = dir.resolve("data");
        this.passwordFile = passwordFile;
        this.port = port;
    }

    public static PostgresServer start() {
        Path bin = binaries();
        try {
            Path dir = Files.createTempDirectory("webauthn-pg-");
            Path passwordFile = LocalProcess.passwordFile(dir, "postgres_password");
            PostgresServer server = new PostgresServer(bin, dir, passwordFile, LocalProcess.freePort());
            server.watcher = LocalProcess.cleanUpAfterThisJvm(String.join(" ", asUser(List.of(
                    bin.resolve("pg_ctl").toString(), "-D", server.data.toString(), "-m", "immediate", "-w", "stop"))
                    .stream().map(LocalProcess::quote).toList()) + "; rm -rf " + LocalProcess.quote(dir));
            if (LocalProcess.isRoot()) {
                LocalProcess.run(List.of("chown", "-R", "postgres", dir.toString()), Duration.ofSeconds(10));
                LocalProcess.run(List.of("chmod", "755", dir.toString()), Duration.ofSeconds(10));
            }
            server.as(List.of(bin.resolve("initdb").toString(), "-D", server.data.toString(), "-U", "webauthn",
                    "--auth=scram-sha-256", "--pwfile=" + passwordFile, "-E", "UTF8", "--no-sync"), Duration.ofSeconds(60));
            server.startProcess();
            return server;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Starts the (stopped) server again on the same port with the same data. */
    public void startProcess() {
        as(List.of(bin.resolve("pg_ctl").toString(), "-D", data.toString(), "-w", "-t", "30", "-l",
                dir.resolve("postgres.log").toString(), "-o", "-p " + port + " -c listen_addresses=127.0.0.1"
                        + " -c unix_socket_directories=" + dir + " -c fsync=off", "start"), Duration.ofSeconds(45));
        LocalProcess.awaitPort(port, Duration.ofSeconds(30));
    }

    /** Stops the server at once (fast shutdown: open connections are cut). */
    public void stopProcess() {
        as(List.of(bin.resolve("pg_ctl").toString(), "-D", data.toString(), "-w", "-m", "fast", "stop"),
                Duration.ofSeconds(45));
    }

    /**
     * Freezes the server and its backends (SIGSTOP), as a database whose host hangs: connections stay open and nothing
     * answers. {@link #thaw()} lets it go on.
     */
    public void freeze() {
        signalAll("-STOP");
    }

    public void thaw() {
        signalAll("-CONT");
    }

    private void signalAll(String signal) {
        long postmaster = pid();
        List<String> command = new ArrayList<>(List.of("kill", signal, Long.toString(postmaster)));
        ProcessHandle.of(postmaster).orElseThrow().children()
                .forEach(child -> command.add(Long.toString(child.pid())));
        LocalProcess.run(command, Duration.ofSeconds(10));
    }

    Path dir() {
        return dir;
    }

    /** The postmaster's process id, from its pid file. */
    long pid() {
        try {
            return Long.parseLong(Files.readAllLines(data.resolve("postmaster.pid")).get(0).trim());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public String jdbcUrl() {
        return "jdbc:postgresql://127.0.0.1:" + port + "/postgres";
    }

    public String user() {
        return "webauthn";
    }

    public Path passwordFile() {
        return passwordFile;
    }

    @Override
    public void close() {
        try {
            stopProcess();
        } catch (RuntimeException e) {
            // already stopped
        }
        LocalProcess.cancel(watcher);
        LocalProcess.deleteTree(dir);
    }

    private void as(List<String> command, Duration limit) {
        LocalProcess.run(asUser(command), limit);
    }

    /** The command as PostgreSQL's own user when the tests run as root (it refuses to run as root). */
    private static List<String> asUser(List<String> command) {
        List<String> full = new ArrayList<>();
        if (LocalProcess.isRoot()) {
            full.addAll(List.of("runuser", "-u", "postgres", "--"));
        }
        full.addAll(command);
        return full;
    }

    private static Path binaries() {
        Path root = Path.of("/usr/lib/postgresql");
        try (Stream<Path> versions = Files.isDirectory(root) ? Files.list(root) : Stream.empty()) {
            return versions.map(v -> v.resolve("bin"))
                    .filter(b -> Files.isExecutable(b.resolve("initdb")))
                    .max(Comparator.comparing(b -> Integer.parseInt(b.getParent().getFileName().toString().replaceAll("\\D", "0"))))
                    .orElseThrow(() -> new IllegalStateException("PostgreSQL is not installed: the storage and replica"
                            + " tests need a real server. Install it with 'apt-get install postgresql'."));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
