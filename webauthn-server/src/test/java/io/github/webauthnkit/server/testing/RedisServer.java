package io.github.webauthnkit.server.testing;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * A real Redis server (Debian package {@code redis-server}) on a free loopback port with a password, for the tests.
 * The password is in a 0600 configuration file, never on the command line. {@link #close()} stops it and deletes its
 * files, and so does a watcher when the tests' JVM ends without closing it ({@link LocalProcess#cleanUpAfterThisJvm}).
 */
public final class RedisServer implements AutoCloseable {
    private static final String PID_FILE = "redis.pid";

    private final Path dir;
    private final Path passwordFile;
    private final int port;
    private Process process;
    private Process watcher;

    private RedisServer(Path dir, Path passwordFile, int port) {
        this.dir = dir;
        this.passwordFile = passwordFile;
        this.port = port;
    }

    public static RedisServer start() {
        if (!new File("/usr/bin/redis-server").canExecute()) {
            throw new IllegalStateException("redis-server is not installed: the ceremony-state and replica tests need a"
                    + " real server. Install it with 'apt-get install redis-server'.");
        }
        try {
            Path dir = Files.createTempDirectory("webauthn-redis-");
            Path passwordFile = LocalProcess.passwordFile(dir, "redis_password");
            Path config = dir.resolve("redis.conf");
            Files.writeString(config, "bind 127.0.0.1\nprotected-mode yes\ndaemonize no\nsave \"\"\nappendonly no\n"
                    + "dir " + dir + "\npidfile " + dir.resolve(PID_FILE) + "\nrequirepass "
                    + Files.readString(passwordFile) + "\n");
            Files.setPosixFilePermissions(config, PosixFilePermissions.fromString("rw-------"));
            RedisServer server = new RedisServer(dir, passwordFile, LocalProcess.freePort());
            Path pid = dir.resolve(PID_FILE);
            server.watcher = LocalProcess.cleanUpAfterThisJvm("[ -f " + LocalProcess.quote(pid) + " ] && kill -9"
                    + " \"$(cat " + LocalProcess.quote(pid) + ")\"; rm -rf " + LocalProcess.quote(dir));
            server.startProcess();
            return server;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public void startProcess() {
        try {
            process = new ProcessBuilder("/usr/bin/redis-server", dir.resolve("redis.conf").toString(),
                    "--port", Integer.toString(port)).redirectErrorStream(true)
                    .redirectOutput(dir.resolve("redis.log").toFile()).start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        LocalProcess.awaitPort(port, Duration.ofSeconds(20));
    }

    public void stopProcess() {
        if (process != null) {
            process.destroyForcibly();
            try {
                process.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            process = null;
            try {
                // A pid that may be another process's later: the watcher must not find it.
                Files.deleteIfExists(dir.resolve(PID_FILE));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    Path dir() {
        return dir;
    }

    long pid() {
        return process.pid();
    }

    public String url() {
        return "redis://127.0.0.1:" + port;
    }

    public Path passwordFile() {
        return passwordFile;
    }

    @Override
    public void close() {
        stopProcess();
        LocalProcess.cancel(watcher);
        LocalProcess.deleteTree(dir);
    }
}
