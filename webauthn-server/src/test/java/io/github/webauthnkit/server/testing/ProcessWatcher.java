package io.github.webauthnkit.server.testing;

/**
 * Kills a server process that tests started once the tests' JVM has ended without stopping it (killed, or stopped
 * with Ctrl-C, where no {@code close()} runs): the replicas of this kit ({@link ServerProcess}), and servers that other
 * tests start from a jar (the kit's integration tests start generated servers with it). See
 * {@link LocalProcess#cleanUpAfterThisJvm}.
 */
public final class ProcessWatcher implements AutoCloseable {
    private final Process watcher;

    private ProcessWatcher(Process watcher) {
        this.watcher = watcher;
    }

    /**
     * From now on {@code process} gets SIGKILL once this JVM has ended. Watching stops by itself when the process ends
     * first, however it ended (stopped, crashed, failed to start), so a later process given the same pid is never
     * killed, and callers need not close anything.
     */
    public static ProcessWatcher killAfterThisJvm(Process process) {
        ProcessWatcher watcher = new ProcessWatcher(LocalProcess.cleanUpAfterThisJvm("kill -9 " + process.pid()));
        process.onExit().thenRun(watcher::close);
        return watcher;
    }

    /** Whether the watcher still runs. */
    boolean isWatching() {
        return watcher.isAlive();
    }

    /** Stops watching a process that still runs; closing twice does no harm. */
    @Override
    public void close() {
        LocalProcess.cancel(watcher);
    }
}
