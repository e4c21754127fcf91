package io.github.webauthnkit.keys.core;

import java.nio.file.Path;
import java.time.Instant;

/** A separate process that rotates a ring, for the tests of locking and atomic writes across processes. */
public final class RingRotator {
    private RingRotator() {
    }

    /** Arguments: ring path, number of rotations (0 = until killed). */
    public static void main(String[] args) throws Exception {
        KeyRingFile file = new KeyRingFile(Path.of(args[0]));
        int rounds = Integer.parseInt(args[1]);
        RotationPolicy policy = RotationPolicy.defaults(KeyAlgorithm.ES256);
        for (int i = 0; rounds == 0 || i < rounds; i++) {
            file.update(ring -> ring.rotate(Instant.now(), policy));
        }
    }

    static Process start(Path ring, int rounds) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        return new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), RingRotator.class.getName(),
                ring.toString(), Integer.toString(rounds)).redirectErrorStream(true).start();
    }
}
