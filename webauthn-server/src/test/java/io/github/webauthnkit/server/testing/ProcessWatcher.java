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

    /** From now on {@code process} gets SIGKILL once this JVM has ended, unless {@link #close} came first. */
    public static ProcessWatcher killAfterThisJvm(Process process) {
        return new ProcessWatcher(LocalProcess.cleanUpAfterThisJvm("kill -9 " + process.pid()));
    }

    /** Stops watching, when the process was stopped normally; closing twice does no harm. */
    @Override
    public void close() {
        LocalProcess.cancel(watcher);
    }
}
