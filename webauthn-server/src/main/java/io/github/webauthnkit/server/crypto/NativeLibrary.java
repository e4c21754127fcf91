package io.github.webauthnkit.server.crypto;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * Copies the Amazon Corretto Crypto Provider's native library out of the class path into a directory, while an image
 * is built: {@code java -cp server.jar io.github.webauthnkit.server.crypto.NativeLibrary /app/native}. The server then
 * loads it from there ({@code -Dcom.amazon.corretto.crypto.provider.useExternalLib=true -Djava.library.path=/app/native})
 * instead of unpacking it into {@code /tmp} at every start, which a tmpfs mounted {@code noexec} does not allow to map.
 */
public final class NativeLibrary {
    /** Where ACCP's linux-x86_64 jar keeps its library; the file name is what System.loadLibrary looks for on Linux. */
    static final String RESOURCE = "com/amazon/corretto/crypto/provider/libamazonCorrettoCryptoProvider.so";

    private NativeLibrary() {
    }

    public static void main(String[] args) {
        if (args.length != 1) {
            System.err.println("Usage: java -cp <server jar> " + NativeLibrary.class.getName() + " <directory>");
            System.exit(2);
        }
        try {
            System.out.println("Native library: " + copy(NativeLibrary.class.getClassLoader(), Path.of(args[0])));
        } catch (IOException | IllegalStateException e) {
            System.err.println("Native library not copied: " + e.getMessage());
            System.exit(1);
        }
    }

    /** Copies the library from {@code classes} into {@code directory} (made if missing), readable and executable by all. */
    static Path copy(ClassLoader classes, Path directory) throws IOException {
        try (InputStream library = classes.getResourceAsStream(RESOURCE)) {
            if (library == null) {
                throw new IllegalStateException(RESOURCE + " is not on the class path: it comes with the Amazon Corretto"
                        + " Crypto Provider's linux-x86_64 jar, a dependency of webauthn-server");
            }
            Path target = Files.createDirectories(directory).resolve(Path.of(RESOURCE).getFileName());
            Files.copy(library, target, StandardCopyOption.REPLACE_EXISTING);
            Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rwxr-xr-x"));
            return target;
        }
    }
}
