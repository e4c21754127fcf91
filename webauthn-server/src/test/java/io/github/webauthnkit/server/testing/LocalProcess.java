package io.github.webauthnkit.server.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.ProcessBuilder.Redirect;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Helpers for the real servers the tests start: free ports, secrets, commands, waiting for a port, and stopping them
 * when the test run's JVM ends without doing so.
 */
final class LocalProcess {
    private static final SecureRandom RANDOM = new SecureRandom();

    private LocalProcess() {
    }

    static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A password file as the generated project has them: random, 0600. */
    static Path passwordFile(Path dir, String name) throws IOException {
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        StringBuilder password = new StringBuilder();
        for (int i = 0; i < 40; i++) {
            password.append(alphabet.charAt(RANDOM.nextInt(alphabet.length())));
        }
        Path file = dir.resolve(name);
        Files.writeString(file, password);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        return file;
    }

    /** The {@code java} of the JVM the tests run on. */
    static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /**
     * Starts {@code main} in a JVM of its own on the tests' class path, its error output merged into its output: a
     * test run of its own, for tests of what such a run leaves behind.
     */
    static Process startJvm(Class<?> main) throws IOException {
        return new ProcessBuilder(java(), "-cp", System.getProperty("java.class.path"), main.getName())
                .redirectErrorStream(true).start();
    }

    /** Runs a command to completion and fails with its output when it fails. */
    static void run(List<String> command, Duration limit) {
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            String output = new String(process.getInputStream().readAllBytes());
            if (!process.waitFor(limit.toSeconds(), TimeUnit.SECONDS) || process.exitValue() != 0) {
                throw new IllegalStateException("Command failed: " + command + "\n" + output);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot run " + command, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static void awaitPort(int port, Duration limit) {
        long deadline = System.nanoTime() + limit.toNanos();
        while (System.nanoTime() < deadline) {
            try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
                return;
            } catch (IOException e) {
                sleep(50);
            }
        }
        throw new IllegalStateException("Nothing listens on 127.0.0.1:" + port + " after " + limit.toSeconds() + " s");
    }

    /**
     * Starts a watcher that runs {@code cleanup} (a {@code sh} command) once this JVM has ended, however it ended:
     * killed, stopped with Ctrl-C, or exited without closing what it started. It checks once a second, from a session
     * of its own, so that a signal to the test run's process group (Ctrl-C in a terminal, a CI job's timeout) does not
     * end it before the JVM. {@link #cancel} it when the server is stopped normally.
     */
    static Process cleanUpAfterThisJvm(String cleanup) {
        List<String> command = List.of("setsid", "sh", "-c",
                "trap '' INT HUP; while kill -0 \"$1\" 2>/dev/null; do sleep 1; done; eval \"$2\"",
                "webauthn-test-cleanup", Long.toString(ProcessHandle.current().pid()), cleanup);
        try {
            return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(Redirect.DISCARD).start();
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot start the watcher that stops a test server after the tests' JVM"
                    + " (setsid, from util-linux, and sh are needed): " + command, e);
        }
    }

    /** Ends a watcher of {@link #cleanUpAfterThisJvm} without running its command. */
    static void cancel(Process watcher) {
        watcher.destroyForcibly();
        try {
            watcher.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** {@code value} as one word of a {@code sh} command. */
    static String quote(Object value) {
        return "'" + value.toString().replace("'", "'\\''") + "'";
    }

    /**
     * Deletes a directory the tests made, with what is in it, or a file; what cannot be deleted stays, and is named.
     * One already gone (a watcher's work) is no news.
     */
    static void deleteTree(Path dir) {
        if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException | UncheckedIOException e) {
            System.err.println("Could not delete " + dir + ": " + e);
        }
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static boolean isRoot() {
        return "root".equals(System.getProperty("user.name"));
    }
}
