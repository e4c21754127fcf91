package io.github.webauthnkit.server;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Ends the server's process when the JVM cannot go on, and bounds every exit.
 *
 * <p>An {@link OutOfMemoryError} (any {@link VirtualMachineError} but a {@link StackOverflowError}) leaves a server that looks alive but is not: the
 * embedded database closes itself, request threads die, and a full heap can swallow the thread that would run a
 * SIGTERM. Plain {@code java -jar} has no {@code -XX:+ExitOnOutOfMemoryError}, so the server exits by itself with
 * {@link #FATAL_STATUS} wherever such an error shows: a thread that dies of it, a request that throws it, a database
 * driver that wraps it. A supervisor (Compose's restart policy, systemd) then starts a fresh process.
 *
 * <p>Every exit (SIGTERM, the fatal one) runs the server's shutdown, and a watchdog halts the process once
 * {@link #SHUTDOWN_TIMEOUT} has passed: a part that cannot close (a database that stopped answering, a lock a dead
 * thread holds) cannot keep the process alive. The threads doing this are started with the guard, since after an
 * OutOfMemoryError there may be no memory for a new one.
 */
public final class ProcessGuard {
    /** The exit status after a fatal error of the JVM. */
    public static final int FATAL_STATUS = 3;
    /** How long a shutdown may take before the process halts: within the 10 s a container engine waits after SIGTERM. */
    public static final Duration SHUTDOWN_TIMEOUT = Duration.ofSeconds(8);
    /** H2's error code for an OutOfMemoryError it caught (org.h2.api.ErrorCode.OUT_OF_MEMORY), cause not always kept. */
    private static final int H2_OUT_OF_MEMORY = 90108;
    /** The status of an exit by SIGTERM (128 + 15), also when the watchdog has to halt it. */
    private static final int SIGTERM_STATUS = 143;
    private static final Logger LOG = LoggerFactory.getLogger(ProcessGuard.class);

    /** Written when there is no memory left to log: made and opened before it is needed, so writing allocates nothing. */
    private static final byte[] FATAL_FALLBACK = ("The JVM cannot go on after a fatal error (no memory left to name it);"
            + " the server exits with status " + FATAL_STATUS + " to be restarted.\n").getBytes(StandardCharsets.UTF_8);
    private static final FileOutputStream STDERR = new FileOutputStream(FileDescriptor.err);

    private static final CountDownLatch FATAL = new CountDownLatch(1);
    private static final CountDownLatch SHUTTING_DOWN = new CountDownLatch(1);
    private static volatile boolean installed;
    private static volatile Throwable fatalError;
    private static volatile Thread fatalThread;

    private ProcessGuard() {
    }

    /** Installs the guard for this process: {@code shutdown} runs on every exit, bounded by the watchdog. */
    static synchronized void install(Runnable shutdown) {
        if (installed) {
            throw new IllegalStateException("The process guard is installed already");
        }
        daemon("fatal-error-exit", () -> {
            await(FATAL);
            try {
                LOG.atError().addKeyValue("event", "fatal_error").addKeyValue("thread", fatalThread.getName())
                        .log("The JVM cannot go on after " + fatalError + " in thread " + fatalThread.getName()
                                + "; the server exits with status " + FATAL_STATUS + " to be restarted. If it was out"
                                + " of memory, give it a larger heap (-Xmx).");
            } catch (Throwable noMemory) {
                try {
                    STDERR.write(FATAL_FALLBACK);
                } catch (Throwable ignored) {
                    // Exit all the same.
                }
            }
            // Arms the watchdog: the shutdown hooks below may find no memory to start in.
            SHUTTING_DOWN.countDown();
            try {
                System.exit(FATAL_STATUS);
            } catch (Throwable noMemory) {
                Runtime.getRuntime().halt(FATAL_STATUS);
            }
        });
        daemon("shutdown-watchdog", () -> {
            await(SHUTTING_DOWN);
            try {
                Thread.sleep(SHUTDOWN_TIMEOUT.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            try {
                LOG.atError().addKeyValue("event", "shutdown_timeout")
                        .log("The server did not stop within " + SHUTDOWN_TIMEOUT.toSeconds() + " s; halting.");
            } catch (Throwable ignored) {
                // Halt all the same.
            }
            Runtime.getRuntime().halt(fatalError != null ? FATAL_STATUS : SIGTERM_STATUS);
        });
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            SHUTTING_DOWN.countDown();
            shutdown.run();
        }, "shutdown"));
        // The handler runs once here on a fatal error's likeness, before the guard counts: the JVM links the code it runs
        // (the first call of a method, the classes it checks) now, and not when an OutOfMemoryError leaves no memory.
        uncaught(Thread.currentThread(), new IllegalStateException(new OutOfMemoryError("warm-up, ignored")));
        Thread.setDefaultUncaughtExceptionHandler(ProcessGuard::uncaught);
        installed = true;
    }

    private static void uncaught(Thread thread, Throwable error) {
        if (!exitIfFatal(thread, error)) {
            LOG.error("Uncaught exception in thread {}", thread.getName(), error);
        }
    }

    /**
     * Starts the process's exit when {@code error} is, or was caused by, a fatal error of the JVM; allocates nothing
     * on that path. Does nothing in a process without the guard (a server started inside a test, for one).
     *
     * @return whether the error was fatal
     */
    public static boolean exitIfFatal(Throwable error) {
        return exitIfFatal(Thread.currentThread(), error);
    }

    private static boolean exitIfFatal(Thread thread, Throwable error) {
        Throwable cause = error;
        for (int depth = 0; cause != null && depth < 16; depth++, cause = cause.getCause()) {
            // A StackOverflowError unwinds with its request and leaves the JVM sound; exiting on one would let a
            // request that provokes it stop the server.
            if (cause instanceof VirtualMachineError && !(cause instanceof StackOverflowError)
                    || cause instanceof SQLException sql && sql.getErrorCode() == H2_OUT_OF_MEMORY) {
                if (installed && fatalError == null) {
                    fatalThread = thread;
                    fatalError = cause;
                    FATAL.countDown();
                }
                return true;
            }
        }
        return false;
    }

    private static void daemon(String name, Runnable task) {
        Thread thread = new Thread(task, name);
        thread.setDaemon(true);
        thread.start();
    }

    private static void await(CountDownLatch latch) {
        while (true) {
            try {
                latch.await();
                return;
            } catch (InterruptedException e) {
                // Only the guard's own latch ends the wait.
            }
        }
    }
}
