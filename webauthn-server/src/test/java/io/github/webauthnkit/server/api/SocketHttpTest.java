package io.github.webauthnkit.server.api;

import static org.assertj.core.api.Assertions.assertThat;
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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The flood client's refusals of answers it does not frame, each with its message, and a new connection for the next
 * request after one; against a loopback server that writes the answers given to it.
 */
class SocketHttpTest {
    private static final String OK = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}";

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "HTTP/1.1 200 OK\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\n2\\r\\n{}\\r\\n0\\r\\n\\r\\n"
                + "| Not an answer this client reads (an HTTP/1.1 final status, a declared length)",
        "HTTP/1.1 100 Continue\\r\\n\\r\\n| Not an answer this client reads",
        "HTTP/1.0 200 OK\\r\\nContent-Length: 2\\r\\n\\r\\n{}| Not an answer this client reads",
        "HTTP/1.1 200 OK\\r\\nContent-Length: -1\\r\\n\\r\\n| A Content-Length this client does not read",
        "HTTP/1.1 200 OK\\r\\nContent-Length: 10\\r\\n\\r\\n{}| The connection ended after 2 of an answer's 10 bytes",
        "HTTP/1.1 200 OK\\r\\n| The connection ended after 17 bytes of an answer's head"})
    void anAnswerItDoesNotFrameFailsTheRequestAndTheNextOneConnectsAgain(String answer, String message)
            throws Exception {
        try (CannedServer server = new CannedServer(answer.replace("\\r\\n", "\r\n"), OK);
             SocketHttp http = new SocketHttp("http://127.0.0.1:" + server.port())) {
            UncheckedIOException refused = catchThrowableOfType(UncheckedIOException.class,
                    () -> http.post("/register/start", "{}"));

            assertThat(refused.getCause()).hasMessageStartingWith(message.strip());
            assertThat(http.post("/register/start", "{}").status()).isEqualTo(200);
            assertThat(server.connections()).as("connections opened").isEqualTo(2);
        }
    }

    /** Answers each request with the next of its answers, closing the connection after an answer it cut short. */
    private static final class CannedServer implements AutoCloseable {
        private final ServerSocket socket = new ServerSocket(0, 8, InetAddress.getLoopbackAddress());
        private final BlockingQueue<String> answers = new LinkedBlockingQueue<>();
        private final AtomicInteger connections = new AtomicInteger();

        CannedServer(String... answers) throws IOException {
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
                        if (!answer.equals(OK)) {
                            break;
                        }
                    }
                } catch (IOException | InterruptedException e) {
                    return;
                }
            }
        }

        /** Reads a request's head and its body of the declared length; false at the connection's end. */
        private static boolean readRequest(InputStream in) throws IOException {
            ByteArrayOutputStream head = new ByteArrayOutputStream();
            while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
                int b = in.read();
                if (b < 0) {
                    return false;
                }
                head.write(b);
            }
            String text = head.toString(StandardCharsets.ISO_8859_1);
            int at = text.indexOf("Content-Length: ") + "Content-Length: ".length();
            in.readNBytes(Integer.parseInt(text.substring(at, text.indexOf("\r\n", at))));
            return true;
        }

        int port() {
            return socket.getLocalPort();
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
