package io.github.webauthnkit.server.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Temporary files and directories of the tests (signing key rings, databases, server logs) that go when the tests' JVM
 * ends, or sooner with {@link #delete}. A test run starts over a thousand servers: each left a private key and a
 * database in the temporary directory, run after run.
 */
public final class ScratchFiles {
    private static final Set<Path> MADE = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> MADE.forEach(LocalProcess::deleteTree),
                "scratch-files-cleanup"));
    }

    private ScratchFiles() {
    }

    /** A new directory in the system's temporary directory, only its owner's (as {@code Files.createTempDirectory}). */
    public static Path directory(String prefix) {
        try {
            return made(Files.createTempDirectory(prefix));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A new empty file in the system's temporary directory, only its owner's (as {@code Files.createTempFile}). */
    public static Path file(String prefix, String suffix) {
        try {
            return made(Files.createTempFile(prefix, suffix));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Deletes a file or directory of {@link #directory} or {@link #file} now, with what is in it. */
    public static void delete(Path path) {
        LocalProcess.deleteTree(path);
        MADE.remove(path);
    }

    private static Path made(Path path) {
        MADE.add(path);
        return path;
    }
}
