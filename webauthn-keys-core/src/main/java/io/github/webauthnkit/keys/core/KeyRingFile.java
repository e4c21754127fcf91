package io.github.webauthnkit.keys.core;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The ring on disk. Reads refuse corrupt files without touching them; updates hold an exclusive lock for the whole
 * read-modify-write, so concurrent rotations (other processes, or other threads of a parallel build) each see the
 * keys the previous one wrote, and writes are atomic and 0600.
 */
public final class KeyRingFile {
    private static final Duration LOCK_TIMEOUT = Duration.ofSeconds(60);
    /** File locks are held per JVM, so threads of one build also need a lock of their own. */
    private static final ConcurrentHashMap<Path, ReentrantLock> IN_PROCESS = new ConcurrentHashMap<>();

    private final Path path;

    public KeyRingFile(Path path) {
        this.path = path.toAbsolutePath().normalize();
    }

    public Path path() {
        return path;
    }

    public boolean exists() {
        return Files.exists(path);
    }

    /** Reads the ring; a missing file or one holding only white space is an empty ring. */
    public KeyRing read() throws KeyRingException {
        if (!Files.exists(path)) {
            return KeyRing.empty();
        }
        String text;
        try {
            text = Files.readString(path, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new KeyRingException("Cannot read key ring " + path + ": " + e.getMessage(), e);
        }
        if (text.isBlank()) {
            return KeyRing.empty();
        }
        return KeyRing.parse(text, path.toString());
    }

    /** Reads a ring that must hold at least one key, with the command that creates one in the message. */
    public KeyRing readExisting() throws KeyRingException {
        KeyRing ring = read();
        if (ring.isEmpty()) {
            throw new KeyRingException("No signing key in " + path + ". Run 'mvn webauthn-keys:rotate' (or 'mvn validate',"
                    + " which runs webauthn-keys:generate-secrets) to create the first key.");
        }
        return ring;
    }

    /** A change computed from the current ring under the lock. */
    @FunctionalInterface
    public interface Change {
        KeyRing.Rotation apply(KeyRing current) throws KeyRingException;
    }

    /**
     * Reads the ring, computes a change and writes the ring it produced, all under the lock. Nothing is written when
     * the change throws or returns {@code null}.
     */
    public KeyRing.Rotation update(Change change) throws KeyRingException {
        ReentrantLock local = IN_PROCESS.computeIfAbsent(path, p -> new ReentrantLock());
        try {
            if (!local.tryLock(LOCK_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                throw lockTimeout();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KeyRingException("Interrupted while waiting for the lock on " + path, e);
        }
        try {
            Path lockFile = path.resolveSibling("." + path.getFileName() + ".lock");
            SecureFiles.createNew(lockFile, "", SecureFiles.OWNER_ONLY);
            try (FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.WRITE);
                 FileLock lock = acquire(channel)) {
                KeyRing.Rotation result = change.apply(read());
                if (result == null) {
                    return null;
                }
                SecureFiles.writeAtomically(path, result.ring().toJson().getBytes(StandardCharsets.UTF_8),
                        SecureFiles.OWNER_ONLY);
                return result;
            }
        } catch (IOException e) {
            throw new KeyRingException("Cannot update key ring " + path + ": " + e.getMessage(), e);
        } finally {
            local.unlock();
        }
    }

    private FileLock acquire(FileChannel channel) throws IOException, KeyRingException {
        long deadline = System.nanoTime() + LOCK_TIMEOUT.toNanos();
        while (true) {
            FileLock lock = channel.tryLock();
            if (lock != null) {
                return lock;
            }
            if (System.nanoTime() > deadline) {
                throw lockTimeout();
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new KeyRingException("Interrupted while waiting for the lock on " + path, e);
            }
        }
    }

    private KeyRingException lockTimeout() {
        return new KeyRingException("Another process has held the lock on key ring " + path + " for more than "
                + LOCK_TIMEOUT.toSeconds() + " s; nothing was changed. Retry when it has finished.");
    }
}
