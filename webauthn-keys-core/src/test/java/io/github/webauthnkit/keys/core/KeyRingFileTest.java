package io.github.webauthnkit.keys.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KeyRingFileTest {
    private static final RotationPolicy POLICY = RotationPolicy.defaults(KeyAlgorithm.ES256);

    @TempDir
    Path dir;

    @Test
    void missingOrBlankFileIsAnEmptyRingAndTheFirstWriteIsOwnerOnly() throws Exception {
        KeyRingFile file = new KeyRingFile(dir.resolve("secrets/jwt_signing_keys.json"));
        assertThat(file.read().isEmpty()).isTrue();

        file.update(ring -> ring.rotate(Instant.now(), POLICY));

        assertThat(file.read().keys()).hasSize(1);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file.path()))).isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file.path().getParent())))
                .isEqualTo("rwx------");
        Files.writeString(file.path(), " \n");
        assertThat(file.read().isEmpty()).isTrue();
    }

    @Test
    void readExistingNamesTheCommandThatCreatesAKey() {
        KeyRingFile file = new KeyRingFile(dir.resolve("jwt_signing_keys.json"));
        assertThatThrownBy(file::readExisting)
                .isInstanceOf(KeyRingException.class)
                .hasMessageContaining(file.path().toString())
                .hasMessageContaining("Run 'mvn webauthn-keys:rotate'");
    }

    @Test
    void aCorruptRingIsReportedWithItsPathAndLeftUntouched() throws Exception {
        KeyRingFile file = new KeyRingFile(dir.resolve("jwt_signing_keys.json"));
        file.update(ring -> ring.rotate(Instant.now(), POLICY));
        String good = Files.readString(file.path());
        byte[] truncated = good.substring(0, good.length() / 3).getBytes(StandardCharsets.UTF_8);
        Files.write(file.path(), truncated);

        assertThatThrownBy(() -> file.update(ring -> ring.rotate(Instant.now(), POLICY)))
                .isInstanceOf(KeyRingException.class)
                .hasMessageContaining("Key ring " + file.path() + " is not valid JSON")
                .hasMessageContaining("left untouched");
        assertThat(Files.readAllBytes(file.path())).isEqualTo(truncated);
    }

    @Test
    void aFailingChangeWritesNothing() throws Exception {
        KeyRingFile file = new KeyRingFile(dir.resolve("jwt_signing_keys.json"));
        file.update(ring -> ring.rotate(Instant.now(), POLICY));
        byte[] before = Files.readAllBytes(file.path());

        assertThatThrownBy(() -> file.update(ring -> ring.revoke("unknown", Instant.now(), POLICY)))
                .hasMessageContaining("Cannot revoke key 'unknown'");
        assertThat(Files.readAllBytes(file.path())).isEqualTo(before);
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString()))
                    .containsExactlyInAnyOrder("jwt_signing_keys.json", ".jwt_signing_keys.json.lock");
        }
    }

    @Test
    void concurrentRotationsInOneProcessKeepEveryKey() throws Exception {
        Path path = dir.resolve("jwt_signing_keys.json");
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<?>> runs = new ArrayList<>();
            for (int i = 0; i < 16; i++) {
                // A new KeyRingFile each time, as separate mojo executions of a parallel build would have.
                runs.add(pool.submit(() -> new KeyRingFile(path).update(ring -> ring.rotate(Instant.now(), POLICY))));
            }
            for (Future<?> run : runs) {
                run.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(new KeyRingFile(path).read().keys()).hasSize(16);
    }

    @Test
    void concurrentRotationsInSeparateProcessesKeepEveryKey() throws Exception {
        Path path = dir.resolve("jwt_signing_keys.json");
        List<Process> processes = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            processes.add(RingRotator.start(path, 5));
        }
        for (Process process : processes) {
            assertThat(process.waitFor(120, TimeUnit.SECONDS)).isTrue();
            assertThat(process.exitValue()).as(new String(process.getInputStream().readAllBytes())).isZero();
        }
        assertThat(new KeyRingFile(path).read().keys()).hasSize(15);
    }

    /** Kills a rotating process at arbitrary moments: the ring on disk is always a complete, valid ring. */
    @Test
    void aWriterKilledAtAnyMomentNeverLeavesAHalfWrittenRing() throws Exception {
        Path path = dir.resolve("jwt_signing_keys.json");
        KeyRingFile file = new KeyRingFile(path);
        file.update(ring -> ring.rotate(Instant.now(), POLICY));
        int previous = 1;
        for (int i = 0; i < 6; i++) {
            Process rotator = RingRotator.start(path, 0);
            Thread.sleep(400 + 97L * i);
            rotator.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
            int keys = file.read().keys().size();
            assertThat(keys).isGreaterThanOrEqualTo(previous);
            previous = keys;
        }
        assertThat(previous).as("the rotator made progress before it was killed").isGreaterThan(1);
    }
}
