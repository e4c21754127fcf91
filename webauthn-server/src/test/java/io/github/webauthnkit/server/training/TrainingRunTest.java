package io.github.webauthnkit.server.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The training run's arguments and its plain-socket requests; the whole run is {@code ImageStartupIT}'s. */
class TrainingRunTest {

    @Test
    void argumentsOtherThanNoneOrAPrepareDirectoryAreRefusedWithTheUsage() {
        assertThat(TrainingRun.prepareDirectory()).isEmpty();
        assertThat(TrainingRun.prepareDirectory("--prepare", "/tmp/t")).contains(Path.of("/tmp/t"));
        assertThatThrownBy(() -> TrainingRun.prepareDirectory("--prepare"))
                .hasMessage("usage: TrainingRun [--prepare <directory>], got [--prepare]");
        assertThatThrownBy(() -> TrainingRun.prepareDirectory("train", "now"))
                .hasMessage("usage: TrainingRun [--prepare <directory>], got [train, now]");
    }

    @Test
    void aRequestNamesItsPortAndBodyLengthAndAnAnswerBelow500Passes() throws Exception {
        try (ServerSocket server = loopback()) {
            CompletableFuture<String> received = answerOnce(server, "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n");
            new TrainingRun.Request("POST", "/register/start", "{\"username\": \"é\"}").send(server.getLocalPort());
            assertThat(received.get(10, TimeUnit.SECONDS))
                    .startsWith("POST /register/start HTTP/1.1\r\nHost: 127.0.0.1:" + server.getLocalPort() + "\r\n")
                    .contains("Content-Length: 18\r\n").endsWith("\r\n\r\n{\"username\": \"é\"}");
        }
    }

    @Test
    void aServerErrorFailsTheRunWithItsStatusAndBody() throws Exception {
        assertHealthCheckFails("HTTP/1.1 503 Service Unavailable\r\nContent-Length: 4\r\n\r\nbusy",
                "GET /health answered 503: busy");
    }

    @Test
    void anAnswerThatIsNotHttpFailsTheRunWithItsFirstLine() throws Exception {
        assertHealthCheckFails("hello\r\nworld", "GET /health got no HTTP answer: hello");
    }

    /** A GET /health answered with {@code answer} fails the training run with {@code message}. */
    private static void assertHealthCheckFails(String answer, String message) throws Exception {
        try (ServerSocket server = loopback()) {
            answerOnce(server, answer);
            assertThatThrownBy(() -> new TrainingRun.Request("GET", "/health", null).send(server.getLocalPort()))
                    .isInstanceOf(IllegalStateException.class).hasMessage(message);
        }
    }

    private static ServerSocket loopback() throws Exception {
        return new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"));
    }

    /** Accepts one connection, reads its request (head and Content-Length body), answers and closes; the request. */
    private static CompletableFuture<String> answerOnce(ServerSocket server, String answer) {
        return CompletableFuture.supplyAsync(() -> {
            try (Socket socket = server.accept()) {
                InputStream in = socket.getInputStream();
                ByteArrayOutputStream request = new ByteArrayOutputStream();
                while (!request.toString(StandardCharsets.UTF_8).endsWith("\r\n\r\n")) {
                    request.write(in.read());
                }
                String head = request.toString(StandardCharsets.UTF_8);
                int length = head.lines().filter(line -> line.startsWith("Content-Length: "))
                        .mapToInt(line -> Integer.parseInt(line.substring(16))).findFirst().orElse(0);
                request.write(in.readNBytes(length));
                socket.getOutputStream().write(answer.getBytes(StandardCharsets.UTF_8));
                return request.toString(StandardCharsets.UTF_8);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
    }
}
