package io.github.webauthnkit.server.crypto;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.webauthnkit.server.testing.ServerProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

/**
 * The image's way to the native provider: the library copied out of the jar at build time, and the server loading it
 * from that directory with nothing unpacked at start-up.
 */
@EnabledOnOs(value = OS.LINUX, architectures = {"amd64", "x86_64"})
class NativeLibraryTest {

    @Test
    void theServerLoadsTheCopiedLibraryWithoutUnpackingAnything(@TempDir Path dir) throws Exception {
        Path nativeDir = dir.resolve("native");
        Copy copy = copy(System.getProperty("java.class.path"), nativeDir);
        assertThat(copy.exitCode()).as(copy.output()).isZero();
        Path library = nativeDir.resolve("libamazonCorrettoCryptoProvider.so");
        assertThat(copy.output()).contains("Native library: " + library);
        assertThat(Files.getPosixFilePermissions(library)).isEqualTo(PosixFilePermissions.fromString("rwxr-xr-x"));

        // The tests' logging keeps warnings only; the provider line is an info.
        Path logging = Files.writeString(dir.resolve("logback.xml"), """
                <configuration>
                  <appender name="OUT" class="ch.qos.logback.core.ConsoleAppender">
                    <encoder><pattern>%msg%n</pattern></encoder>
                  </appender>
                  <logger name="io.github.webauthnkit.server.crypto" level="INFO"/>
                  <root level="WARN"><appender-ref ref="OUT"/></root>
                </configuration>
                """);
        // A temporary directory that cannot be made (a file): the bundled copy could not be unpacked, so ACCP serving
        // proves it came from the directory.
        try (ServerProcess server = ServerProcess.start(ServerProcess.embedded("http://localhost:8443"), List.of(
                "-Dcom.amazon.corretto.crypto.provider.useExternalLib=true", "-Djava.library.path=" + nativeDir,
                "-Djava.io.tmpdir=" + Files.writeString(dir.resolve("not-a-directory"), ""),
                "-Dlogback.configurationFile=" + logging))) {
            assertThat(server.log()).contains("Signatures: AmazonCorrettoCryptoProvider");
        }
    }

    @Test
    void aClassPathWithoutTheProviderFailsNamingTheJar(@TempDir Path dir) throws Exception {
        String serverClassesOnly = Path.of(NativeLibrary.class.getProtectionDomain().getCodeSource().getLocation().toURI())
                .toString();
        Copy copy = copy(serverClassesOnly, dir.resolve("native"));
        assertThat(copy.exitCode()).isEqualTo(1);
        assertThat(copy.output()).contains("Native library not copied: " + NativeLibrary.RESOURCE
                + " is not on the class path: it comes with the Amazon Corretto Crypto Provider's linux-x86_64 jar");
        assertThat(dir.resolve("native")).doesNotExist();
    }

    private record Copy(int exitCode, String output) {
    }

    /** Runs the main class as the image build does: {@code java -cp <classPath> NativeLibrary <directory>}. */
    private static Copy copy(String classPath, Path directory) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", classPath, NativeLibrary.class.getName(), directory.toString()).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes());
        assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        return new Copy(process.exitValue(), output);
    }
}
