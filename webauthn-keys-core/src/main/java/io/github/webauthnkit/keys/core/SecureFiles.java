package io.github.webauthnkit.keys.core;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.Set;

/** File writes that are atomic, keep the right permissions, and skip unchanged content. */
public final class SecureFiles {
    public static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");
    public static final Set<PosixFilePermission> PUBLIC_READ = PosixFilePermissions.fromString("rw-r--r--");
    private static final Set<PosixFilePermission> OWNER_DIR = PosixFilePermissions.fromString("rwx------");

    /** What {@code .gitignore} says in a secrets directory the kit creates: ignore everything but itself. */
    public static final String SECRETS_GITIGNORE = """
            # Secrets of this project: passwords and the JWT signing key ring. Never commit them;
            # 'mvn validate' (webauthn-keys:generate-secrets) recreates missing ones in a fresh clone.
            *
            !.gitignore
            """;

    private SecureFiles() {
    }

    public static boolean isPosix(Path path) {
        Path existing = path.toAbsolutePath();
        while (existing != null && !Files.exists(existing)) {
            existing = existing.getParent();
        }
        return existing != null && existing.getFileSystem().supportedFileAttributeViews().contains("posix");
    }

    /**
     * Writes {@code content} unless the file already holds exactly those bytes.
     *
     * @return true if the file was written, false if it was left untouched
     */
    public static boolean writeIfChanged(Path file, String content, Set<PosixFilePermission> permissions)
            throws IOException {
        byte[] bytes = content.getBytes(StandardCharsets.UTF_8);
        if (Files.isRegularFile(file) && Arrays.equals(Files.readAllBytes(file), bytes)) {
            return false;
        }
        writeAtomically(file, bytes, permissions);
        return true;
    }

    /**
     * Writes through a temporary file in the same directory, synced and renamed over the target, so a reader or a
     * crash sees either the old or the new content, never a half-written file. The temporary file is created with
     * its final permissions, so secret bytes are never readable by others even for a moment.
     */
    public static void writeAtomically(Path file, byte[] bytes, Set<PosixFilePermission> permissions)
            throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        createDirectories(dir, permissions == OWNER_ONLY);
        boolean posix = isPosix(dir);
        FileAttribute<?>[] attributes = posix
                ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(OWNER_ONLY)}
                : new FileAttribute<?>[0];
        Path temp = Files.createTempFile(dir, "." + file.getFileName() + ".", ".tmp", attributes);
        try {
            try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE)) {
                ByteBuffer buffer = ByteBuffer.wrap(bytes);
                while (buffer.hasRemaining()) {
                    channel.write(buffer);
                }
                channel.force(true);
            }
            if (posix) {
                Files.setPosixFilePermissions(temp, permissions);
            }
            try {
                Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING);
            }
            syncDirectory(dir);
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    /**
     * Creates a new file with the given content, refusing to replace one that exists (even one created a moment ago
     * by a concurrent build).
     *
     * @return true if created, false if a file was already there
     */
    public static boolean createNew(Path file, String content, Set<PosixFilePermission> permissions)
            throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        createDirectories(dir, permissions == OWNER_ONLY);
        if (Files.exists(file)) {
            return false;
        }
        FileAttribute<?>[] attributes = isPosix(dir)
                ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(permissions)}
                : new FileAttribute<?>[0];
        try {
            Files.createFile(file, attributes);
        } catch (FileAlreadyExistsException e) {
            return false;
        }
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
            channel.write(ByteBuffer.wrap(content.getBytes(StandardCharsets.UTF_8)));
            channel.force(true);
        }
        return true;
    }

    /** Creates a missing secrets directory owner-only and writes the kit's {@code .gitignore} into it if it has none. */
    public static boolean ensureSecretsGitignore(Path dir) throws IOException {
        createDirectories(dir.toAbsolutePath(), true);
        return createNew(dir.resolve(".gitignore"), SECRETS_GITIGNORE, PUBLIC_READ);
    }

    private static void createDirectories(Path dir, boolean ownerOnly) throws IOException {
        if (Files.isDirectory(dir)) {
            return;
        }
        Files.createDirectories(dir);
        if (ownerOnly && isPosix(dir)) {
            Files.setPosixFilePermissions(dir, OWNER_DIR);
        }
    }

    private static void syncDirectory(Path dir) {
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException | UnsupportedOperationException e) {
            // Not every platform can sync a directory; the rename itself is still atomic there.
        }
    }
}
