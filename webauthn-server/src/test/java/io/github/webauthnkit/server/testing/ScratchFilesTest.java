package io.github.webauthnkit.server.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The tests leave no signing keys, databases or logs in the temporary directory: a test server's go when it stops,
 * the rest when the tests' JVM ends.
 */
class ScratchFilesTest {
    @Test
    void aTestServersKeyRingAndDatabaseGoWhenItStops() {
        Path dir;
        try (TestServer server = TestServer.start()) {
            dir = server.ringFile().getParent();
            assertThat(server.ringFile()).isRegularFile();
            assertThat(dir.resolve("data")).isDirectory();
        }
        assertThat(dir).as("the stopped server's directory").doesNotExist();
    }

    @Test
    void whatTheTestsMadeGoesWhenTheirJvmEnds() throws Exception {
        Process run = LocalProcess.startJvm(EndingRun.class);
        assertThat(run.waitFor(60, TimeUnit.SECONDS)).as("the run ended").isTrue();
        String output = new String(run.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(run.exitValue()).as(output).isZero();
        List<Path> made = Arrays.stream(output.strip().split("\n")).filter(line -> line.startsWith("/"))
                .map(Path::of).toList();
        assertThat(made).as(output).hasSize(4);
        assertThat(made.stream().filter(Files::exists)).as("what the ended run made").isEmpty();
    }

    /** A test run that makes files the way the tests do, prints where, and ends without deleting them. */
    static final class EndingRun {
        public static void main(String[] args) throws Exception {
            Path dir = ScratchFiles.directory("scratch-test-");
            Files.writeString(dir.resolve("inside.txt"), "a file in a scratch directory");
            Path log = ScratchFiles.file("scratch-test-", ".log");
            Path ring = Path.of(ServerProcess.embedded("http://localhost:8443").get("WEBAUTHN_KEYS_FILE"));
            for (Path path : List.of(dir, log, ring, ring.getParent())) {
                if (!Files.exists(path)) {
                    throw new AssertionError("not made: " + path);
                }
                System.out.println(path);
            }
        }
    }
}
