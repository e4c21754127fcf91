package io.github.webauthnkit.it.support;

import java.util.concurrent.TimeUnit;

/** Stopping the processes the tests start, and waiting between polls of them. */
public final class Processes {
    private Processes() {
    }

    /** SIGTERM, then SIGKILL if the process is still there after 10 s. */
    public static void stop(Process process) {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Sleeps; an interruption ends the test instead of being swallowed. */
    public static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
