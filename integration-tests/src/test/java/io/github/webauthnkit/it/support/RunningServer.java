package io.github.webauthnkit.it.support;

import io.github.webauthnkit.server.testing.ProcessWatcher;
import io.github.webauthnkit.server.testing.ScratchFiles;
import io.github.webauthnkit.server.testing.TestServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A generated project's server jar running as its own process on a free loopback port; closing stops it, and so does a
 * watcher when the tests' JVM ends without closing it ({@link ProcessWatcher}).
 */
public final class RunningServer implements AutoCloseable {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private final Process process;
    private final int port;
    private final Path log;

    private RunningServer(Process process, int port, Path log) {
        this.process = process;
        this.port = port;
        this.log = log;
        ProcessWatcher.killAfterThisJvm(process);
    }

    /** Starts {@code target/<artifactId>.jar} from the project directory, as its README says, and waits for health. */
    public static RunningServer start(GeneratedProject project, Map<String, String> environment) {
        return start(project, environment, Command.java(), List.of());
    }

    /**
     * The same with another {@code java} and JVM options before {@code -jar} (the image's, say: {@link ImageJvm#java}
     * and {@link ImageJvm#serverOptions}).
     */
    public static RunningServer start(GeneratedProject project, Map<String, String> environment, String java,
                                      List<String> jvmOptions) {
        return start(project, environment, java, jvmOptions, project.dir(),
                project.file("target/" + project.dir().getFileName() + ".jar").toString());
    }

    /**
     * The same from a working directory of the caller's choice, where the relative paths of the server's defaults
     * (its key ring file, say) resolve, with {@code jar} as {@code -jar}'s argument, as a user or a service manager
     * would give it.
     */
    public static RunningServer start(GeneratedProject project, Map<String, String> environment, String java,
                                      List<String> jvmOptions, Path workingDirectory, String jar) {
        try {
            int port = freePort();
            Path log = ScratchFiles.file("server", ".log");
            Map<String, String> env = new HashMap<>();
            env.put("WEBAUTHN_PORT", Integer.toString(port));
            env.put("WEBAUTHN_BIND_ADDRESS", "127.0.0.1");
            env.put("WEBAUTHN_ORIGINS", "http://localhost:" + port);
            env.put("WEBAUTHN_DATA_DIR", project.file("target/it-data").toString());
            // The load tool and the tests speak from one address: limits per client address they do not reach.
            env.putAll(TestServer.GENEROUS_LIMITS);
            env.putAll(environment);
            List<String> command = new ArrayList<>(List.of(java));
            command.addAll(jvmOptions);
            command.addAll(List.of("-jar", jar));
            ProcessBuilder builder = new ProcessBuilder(command).directory(workingDirectory.toFile())
                    .redirectErrorStream(true).redirectOutput(log.toFile());
            builder.environment().putAll(env);
            RunningServer server = new RunningServer(builder.start(), port, log);
            server.awaitHealthy(Duration.ofSeconds(30));
            return server;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public String baseUrl() {
        return "http://127.0.0.1:" + port;
    }

    public int port() {
        return port;
    }

    /** Resident memory of the server process, from /proc (Linux). */
    public long residentBytes() {
        Long rss = memory().get("VmRSS");
        if (rss == null) {
            throw new IllegalStateException("No VmRSS for process " + process.pid());
        }
        return rss;
    }

    /** The memory figures of /proc/PID/status (VmRSS, RssAnon, RssFile, ...), in bytes, by their names there. */
    public Map<String, Long> memory() {
        Map<String, Long> values = new HashMap<>();
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(process.pid()), "status"))) {
                String[] parts = line.split(":\\s+");
                if (parts.length == 2 && parts[1].endsWith(" kB")) {
                    values.put(parts[0], Long.parseLong(parts[1].substring(0, parts[1].length() - 3)) * 1024);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return values;
    }

    public HttpResponse<String> get(String path) {
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create(baseUrl() + path)).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public String log() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    private void awaitHealthy(Duration limit) {
        long deadline = System.nanoTime() + limit.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new AssertionError("The server exited with " + process.exitValue() + ":\n" + log());
            }
            try {
                if (get("/health").statusCode() == 200) {
                    return;
                }
            } catch (UncheckedIOException e) {
                // not listening yet
            }
            // Often enough that the benchmark's cold start is measured to within 20 ms.
            Processes.sleep(20);
        }
        close();
        throw new AssertionError("The server was not healthy within " + limit.toSeconds() + " s:\n" + log());
    }

    @Override
    public void close() {
        Processes.stop(process);
    }

    /** A free TCP port on the loopback interface, for a server or a stack to publish. */
    public static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

}
