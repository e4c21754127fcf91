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
 * The password is in a 0600 configuration file, never on the command line.
 */
public final class RedisServer implements AutoCloseable {
    private final Path dir;
    private final Path passwordFile;
    private final int port;
    private Process process;

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
                    + "dir " + dir + "\nrequirepass " + Files.readString(passwordFile) + "\n");
            Files.setPosixFilePermissions(config, PosixFilePermissions.fromString("rw-------"));
            RedisServer server = new RedisServer(dir, passwordFile, LocalProcess.freePort());
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
        }
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
    }
}
