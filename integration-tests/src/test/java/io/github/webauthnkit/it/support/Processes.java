package io.github.webauthnkit.it.support;

import java.util.concurrent.TimeUnit;

/** Stopping the processes the tests start. */
final class Processes {
    private Processes() {
    }

    /** SIGTERM, then SIGKILL if the process is still there after 10 s. */
    static void stop(Process process) {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
