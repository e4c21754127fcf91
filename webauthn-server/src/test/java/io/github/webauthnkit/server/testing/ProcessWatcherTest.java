package io.github.webauthnkit.server.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The watcher of a process that ended while the tests run goes away, so it can never kill a later process's pid. */
class ProcessWatcherTest {
    @Test
    void stopsWatchingOnceTheProcessHasEnded() throws Exception {
        Process sleeper = new ProcessBuilder("sleep", "60").start();
        ProcessWatcher watcher = ProcessWatcher.killAfterThisJvm(sleeper);
        try {
            assertThat(watcher.isWatching()).isTrue();

            sleeper.destroy();
            assertThat(sleeper.waitFor(10, TimeUnit.SECONDS)).isTrue();

            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (watcher.isWatching() && System.nanoTime() < deadline) {
                LocalProcess.sleep(50);
            }
            assertThat(watcher.isWatching()).as("the watcher of a process that has ended").isFalse();
        } finally {
            sleeper.destroyForcibly();
            watcher.close();
        }
    }
}
