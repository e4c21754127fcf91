package io.github.webauthnkit.it.bench;

import io.github.webauthnkit.it.support.Command;
import io.github.webauthnkit.server.tools.LoadTest;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The generated project's load-test tool in one JVM kept up across the benchmark's steps. A new JVM per step measured
 * its own JIT compilation on the 2 cores it shares with the server: open-loop starts more than 10 ms late by the
 * thousand, and lower closed-loop rates than the same server did under a warm tool.
 *
 * <p>The JVM runs {@link Child}: it reads a step a line on standard input (the tool's options, tab-separated
 * {@code name=value}), runs it with {@link LoadTest#runTool}, and ends the step's output with {@link #DONE} and the
 * exit status the tool's {@code main} would have had.
 */
final class LoadToolSession implements AutoCloseable {
    private static final String DONE = "[load-tool-session] exit ";
    /** Marks the end of the output when the JVM itself ended. */
    private static final String ENDED = "\u0000ended";

    private final Process process;
    private final Writer input;
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();

    private LoadToolSession(Process process) {
        this.process = process;
        this.input = process.outputWriter(StandardCharsets.UTF_8);
        Thread reader = new Thread(() -> {
            try (BufferedReader output = process.inputReader(StandardCharsets.UTF_8)) {
                for (String line = output.readLine(); line != null; line = output.readLine()) {
                    lines.add(line);
                }
            } catch (IOException e) {
                lines.add("reading the load tool's output failed: " + e);
            }
            lines.add(ENDED);
        }, "load-tool-output");
        reader.setDaemon(true);
        reader.start();
    }

    /** Starts the JVM on the project's test class path, with this class's own directory for {@link Child}. */
    static LoadToolSession start(GeneratedTestClasspath classpath) {
        try {
            String own = Path.of(LoadToolSession.class.getProtectionDomain().getCodeSource().getLocation().toURI())
                    .toString();
            List<String> command = List.of(Command.java(), "-cp", classpath.path() + File.pathSeparator + own,
                    Child.class.getName());
            return new LoadToolSession(new ProcessBuilder(command).directory(classpath.projectDir().toFile())
                    .redirectErrorStream(true).start());
        } catch (IOException e) {
            throw new UncheckedIOException("starting the load tool", e);
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Runs one step with the tool's {@code properties} ({@code load.url=...}, numbers and loopback URLs, so never a tab
     * or a line break); its output, as a new JVM's would be.
     */
    Command.Result run(List<String> properties, Duration limit) {
        StringBuilder output = new StringBuilder();
        try {
            input.write(String.join("\t", properties) + "\n");
            input.flush();
            long deadline = System.nanoTime() + limit.toNanos();
            while (true) {
                String line = lines.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                if (line == null || ENDED.equals(line)) {
                    process.destroyForcibly();
                    throw new AssertionError((line == null ? "The load tool took more than " + limit
                            : "The load tool's JVM ended") + " in a step; its output:\n" + output);
                }
                if (line.startsWith(DONE)) {
                    return new Command.Result(Integer.parseInt(line.substring(DONE.length())), output.toString());
                }
                output.append(line).append('\n');
            }
        } catch (IOException e) {
            throw new UncheckedIOException("the load tool's JVM no longer reads its steps", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() throws InterruptedException {
        try {
            input.close(); // the child ends at the end of its input
        } catch (IOException ignored) {
            // already gone
        }
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    /** The load tool's JVM: a step a line until its input ends. */
    static final class Child {
        private Child() {
        }

        public static void main(String[] args) throws Exception {
            BufferedReader steps = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            PrintStream out = System.out;
            for (String step = steps.readLine(); step != null; step = steps.readLine()) {
                Properties options = new Properties();
                for (String property : step.split("\t")) {
                    int equals = property.indexOf('=');
                    options.setProperty(property.substring(0, equals), property.substring(equals + 1));
                }
                int status;
                try {
                    status = LoadTest.runTool(options, out, out);
                } catch (Exception e) {
                    e.printStackTrace(out);
                    status = 1;
                }
                out.println();
                out.println(DONE + status);
                out.flush();
            }
        }
    }
}
