package io.github.webauthnkit.server.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The servers the test kit starts stop on their own when the tests' JVM ends without closing them: a run that is
 * killed (or stopped with Ctrl-C) leaves no PostgreSQL, Redis or replica running, and no files of theirs behind.
 */
class TestServerCleanupTest {
    @Test
    void theServersOfAKilledTestRunStopAndTheirFilesGo() throws Exception {
        Process run = LocalProcess.startJvm(KilledRun.class);
        BufferedReader output = new BufferedReader(new InputStreamReader(run.getInputStream(), StandardCharsets.UTF_8));
        String[] started = CompletableFuture.supplyAsync(() -> readyLine(output)).get(120, TimeUnit.SECONDS);
        List<Integer> ports = List.of(Integer.parseInt(started[1]), Integer.parseInt(started[2]),
                Integer.parseInt(started[3]));
        List<Path> dirs = List.of(Path.of(started[4]), Path.of(started[5]));
        List<Long> pids = List.of(Long.parseLong(started[6]), Long.parseLong(started[7]), Long.parseLong(started[8]));
        try {
            assertThat(ports.stream().filter(TestServerCleanupTest::listening)).as("ports of the started servers")
                    .hasSize(3);

            run.destroyForcibly();
            assertThat(run.waitFor(10, TimeUnit.SECONDS)).as("the killed run ended").isTrue();

            List<String> left = leftAfter(ports, dirs, 20);
            assertThat(left).as("Redis, PostgreSQL and the replica 20 s after their test run was killed").isEmpty();
        } finally {
            // What the watchers did not stop, the test does, so that a failure leaves nothing running.
            pids.forEach(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
            run.destroyForcibly();
            dirs.forEach(LocalProcess::deleteTree);
            // The killed run's own scratch files (a replica's key ring, database and log): its JVM got no chance to
            // delete them.
            LocalProcess.deleteTree(Path.of(started[9]));
            LocalProcess.deleteTree(Path.of(started[10]));
        }
    }

    /** The servers still listening and the directories still there, after up to {@code seconds} for them to go. */
    private static List<String> leftAfter(List<Integer> ports, List<Path> dirs, int seconds) {
        List<String> left = new ArrayList<>();
        for (int i = 0; i < seconds * 10; i++) {
            left.clear();
            ports.stream().filter(TestServerCleanupTest::listening).forEach(port -> left.add("port " + port));
            dirs.stream().filter(Files::exists).forEach(dir -> left.add(dir.toString()));
            if (left.isEmpty()) {
                break;
            }
            LocalProcess.sleep(100);
        }
        return left;
    }

    private static boolean listening(int port) {
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static String[] readyLine(BufferedReader output) {
        try {
            StringBuilder seen = new StringBuilder();
            for (String line = output.readLine(); line != null; line = output.readLine()) {
                if (line.startsWith("ready ")) {
                    return line.split(" ");
                }
                seen.append(line).append('\n');
            }
            throw new IllegalStateException("The test run ended before its servers started:\n" + seen);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A test run that starts the kit's servers and is killed before it closes them. */
    static final class KilledRun {
        private KilledRun() {
        }

        public static void main(String[] args) throws InterruptedException {
            RedisServer redis = RedisServer.start();
            PostgresServer postgres = PostgresServer.start();
            Map<String, String> embedded = ServerProcess.embedded("http://localhost:8080");
            ServerProcess replica = ServerProcess.start(embedded);
            System.out.println("ready " + port(redis.url()) + " " + port(postgres.jdbcUrl()) + " " + replica.port()
                    + " " + redis.dir() + " " + postgres.dir() + " " + redis.pid() + " " + postgres.pid() + " "
                    + replica.pid() + " " + Path.of(embedded.get("WEBAUTHN_KEYS_FILE")).getParent() + " "
                    + replica.logFile());
            Thread.sleep(120_000);
        }

        private static String port(String url) {
            return url.replaceAll(".*:(\\d+).*", "$1");
        }
    }
}
