package io.github.webauthnkit.server.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The socket client's reading of answers in chunks, its refusals of answers it does not frame, each with its message
 * and a new connection for the next request, and its replacing of a connection the server closed while it was idle;
 * against a loopback server that writes the answers given to it.
 */
class SocketHttpTest {
    private static final String OK = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}";
    private static final String NO_CONTENT = "HTTP/1.1 204 No Content\r\n\r\n";
    /** What a HEAD request is answered: the length its GET would have, no body. */
    private static final String HEAD = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n";
    private static final String CHUNKED = "HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n"
            + "3;note=x\r\n{\"a\r\nA\r\n\":\"chunk\"}\r\n0\r\nTrailer-Field: t\r\n\r\n";

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "HTTP/1.1 100 Continue\\r\\n\\r\\n| Not an answer this client reads",
        "HTTP/1.0 200 OK\\r\\nContent-Length: 2\\r\\n\\r\\n{}| Not an answer this client reads",
        "HTTP/1.1 200 OK\\r\\nContent-Length: -1\\r\\n\\r\\n| A Content-Length this client does not read",
        "HTTP/1.1 200 OK\\r\\nContent-Length: 10\\r\\n\\r\\n{}| The connection ended after 2 of an answer's 10 bytes",
        "HTTP/1.1 200 OK\\r\\n| The connection ended after 17 bytes of an answer's head",
        "HTTP/1.1 200 OK\\r\\nTransfer-Encoding: gzip\\r\\n\\r\\n| A Transfer-Encoding this client does not read",
        "HTTP/1.1 200 OK\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\nzz\\r\\n| Not a chunk size: zz",
        "HTTP/1.1 200 OK\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\n5\\r\\n{}"
                + "| The connection ended inside a chunk of an answer, after 2 bytes of its body",
        "HTTP/1.1 200 OK\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\n2\\r\\n{}}\\r\\n0\\r\\n\\r\\n"
                + "| A chunk of 2 bytes was longer than its size said",
        "HTTP/1.1 200 OK\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\n2| The connection ended inside a chunked answer"})
    @MethodSource("aChunkSizeLineOfNineKibibytes")
    void anAnswerItDoesNotFrameFailsTheRequestAndTheNextOneConnectsAgain(String answer, String message)
            throws Exception {
        try (CannedServer server = new CannedServer(false, answer.replace("\\r\\n", "\r\n"), OK);
             SocketHttp http = new SocketHttp("http://127.0.0.1:" + server.port())) {
            UncheckedIOException refused = catchThrowableOfType(UncheckedIOException.class,
                    () -> http.post("/register/start", "{}"));

            assertThat(refused.getCause()).hasMessageStartingWith(message.strip());
            assertThat(http.post("/register/start", "{}").status()).isEqualTo(200);
            assertThat(server.connections()).as("connections opened").isEqualTo(2);
        }
    }

    static Stream<Arguments> aChunkSizeLineOfNineKibibytes() {
        return Stream.of(Arguments.of("HTTP/1.1 200 OK\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\n" + "0".repeat(9216)
                + "\\r\\n", "A chunk's line of more than 8 KiB"));
    }

    /**
     * Fields are found by their whole name in any case, wherever they stand, and a body larger than the client's
     * buffer (8 KiB) arrives whole, after a head read a byte at a time from the same buffer.
     */
    @Test
    void fieldsAreFoundByTheirWholeNameAndALargeBodyArrivesWhole() throws Exception {
        String body = "{\"x\":\"" + "y".repeat(20_000) + "\"}";
        String answer = "HTTP/1.1 200 OK\r\nContent-Length-Note: 7\r\nX-Content-Length: 9\r\ncontent-length:  "
                + body.length() + " \r\nX-Last:last\r\n\r\n" + body;
        try (CannedServer server = new CannedServer(false, answer, OK);
             SocketHttp http = new SocketHttp("http://127.0.0.1:" + server.port())) {
            SocketHttp.Response large = http.post("/register/start", "{}");

            assertThat(large.body()).isEqualTo(body);
            assertThat(large.header("Content-Length")).isEqualTo(String.valueOf(body.length()));
            assertThat(large.header("x-last")).isEqualTo("last");
        }
    }

    @Test
    void aClosedClientRefusesRequests() throws Exception {
        try (CannedServer server = new CannedServer(false, OK)) {
            SocketHttp http = new SocketHttp("http://127.0.0.1:" + server.port());
            assertThat(http.post("/register/start", "{}").status()).isEqualTo(200);
            http.close();

            assertThatThrownBy(() -> http.post("/register/start", "{}")).isInstanceOf(IllegalStateException.class)
                    .hasMessage("This client to 127.0.0.1:" + server.port() + " is closed");
        }
    }

    /** Behind a base path too, as a server published under a proxy's prefix is. */
    @Test
    void anAnswerInChunksIsReadWholeAndItsConnectionKept() throws Exception {
        try (CannedServer server = new CannedServer(false, CHUNKED, OK);
             SocketHttp http = new SocketHttp("http://127.0.0.1:" + server.port() + "/auth/")) {
            SocketHttp.Response chunked = http.send("PATCH", "/credentials/x", "application/json", "{}");

            assertThat(server.requestHeads()).singleElement().asString()
                    .startsWith("PATCH /auth/credentials/x HTTP/1.1\r\n");

            assertThat(chunked.status()).isEqualTo(201);
            assertThat(chunked.body()).isEqualTo("{\"a\":\"chunk\"}");
            assertThat(http.post("/register/start", "{}").body()).isEqualTo("{}");
            assertThat(server.connections()).as("connections opened").isEqualTo(1);
        }
    }

    @Test
    void requestsWithoutABodySendNoLengthAndAnswersWithoutABodyKeepTheConnection() throws Exception {
        try (CannedServer server = new CannedServer(false, NO_CONTENT, HEAD, OK);
             SocketHttp http = new SocketHttp("http://127.0.0.1:" + server.port())) {
            assertThat(http.send("DELETE", "/credentials/x", null, null, "Authorization", "Bearer t").status())
                    .isEqualTo(204);
            SocketHttp.Response head = http.send("HEAD", "/health", null, null);
            assertThat(head.status()).isEqualTo(200);
            assertThat(head.body()).isEmpty();
            assertThat(http.post("/register/start", "{}").body()).isEqualTo("{}");

            assertThat(server.requestHeads().get(0)).startsWith("DELETE /credentials/x HTTP/1.1\r\n")
                    .contains("\r\nAuthorization: Bearer t").doesNotContain("Content-Length")
                    .doesNotContain("Content-Type");
            assertThat(server.requestHeads().get(2)).contains("\r\nContent-Length: 2");
            assertThat(server.connections()).as("connections opened").isEqualTo(1);
        }
    }

    /** A server's idle timeout (Jetty's 30 s, nginx's 75 s) can pass between a paced client's ceremonies. */
    @Test
    void aConnectionTheServerClosedWhileIdleIsReplacedBeforeTheNextRequest() throws Exception {
        try (CannedServer server = new CannedServer(true, OK, OK);
             SocketHttp http = new SocketHttp("http://127.0.0.1:" + server.port())) {
            assertThat(http.post("/register/start", "{}").status()).isEqualTo(200);
            Thread.sleep(1_500);

            assertThat(http.post("/register/start", "{}").status()).isEqualTo(200);
            assertThat(server.connections()).as("connections opened").isEqualTo(2);
        }
    }

    @Test
    void onlyPlainHttpUrlsAreTaken() {
        assertThatThrownBy(() -> new SocketHttp("https://localhost:8443"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("Not an http URL");
        assertThatThrownBy(() -> new SocketHttp("http://localhost:8080/?next=x"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no query");
    }

    /**
     * Answers each request with the next of its answers, closing the connection after an answer it cut short (one not
     * among the well-formed ones above), or after each one.
     */
    private static final class CannedServer implements AutoCloseable {
        private final ServerSocket socket = new ServerSocket(0, 8, InetAddress.getLoopbackAddress());
        private final BlockingQueue<String> answers = new LinkedBlockingQueue<>();
        private final AtomicInteger connections = new AtomicInteger();
        private final boolean closeEach;
        private final List<String> requestHeads = new java.util.concurrent.CopyOnWriteArrayList<>();

        /** @param closeEach whether to close the connection after every answer, not only after one cut short */
        CannedServer(boolean closeEach, String... answers) throws IOException {
            this.closeEach = closeEach;
            this.answers.addAll(List.of(answers));
            Thread acceptor = new Thread(this::serve, "canned-server");
            acceptor.setDaemon(true);
            acceptor.start();
        }

        private void serve() {
            while (!socket.isClosed()) {
                try (Socket connection = socket.accept()) {
                    connections.incrementAndGet();
                    InputStream in = connection.getInputStream();
                    while (readRequest(in)) {
                        String answer = answers.take();
                        connection.getOutputStream().write(answer.getBytes(StandardCharsets.ISO_8859_1));
                        if (closeEach || !List.of(OK, CHUNKED, NO_CONTENT, HEAD).contains(answer)) {
                            break;
                        }
                    }
                } catch (IOException | InterruptedException e) {
                    return;
                }
            }
        }

        /** Reads a request's head and its body of the declared length; false at the connection's end. */
        private boolean readRequest(InputStream in) throws IOException {
            ByteArrayOutputStream head = new ByteArrayOutputStream();
            while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
                int b = in.read();
                if (b < 0) {
                    return false;
                }
                head.write(b);
            }
            String text = head.toString(StandardCharsets.ISO_8859_1);
            requestHeads.add(text);
            int at = text.indexOf("Content-Length: ");
            if (at >= 0) {
                at += "Content-Length: ".length();
                in.readNBytes(Integer.parseInt(text.substring(at, text.indexOf("\r\n", at))));
            }
            return true;
        }

        int port() {
            return socket.getLocalPort();
        }

        List<String> requestHeads() {
            return requestHeads;
        }

        int connections() {
            return connections.get();
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
