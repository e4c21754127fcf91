package io.github.webauthnkit.server.api;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * JSON POSTs over HTTP/1.1 on plain sockets: one kept-alive connection per calling thread, or one connection per
 * request from a chosen loopback address (so the server sees that address). For floods, which the JDK's HttpClient
 * does not carry on Java 17: about once in a few hundred thousand requests it closed a kept-alive connection as an
 * answer arrived and failed the request with "header parser received no bytes", though the server had written the
 * answer (a loopback capture: the answer sent, the client's FIN 0.4 ms later). Most likely its pool's watcher of an
 * idle connection, which closes one that receives data, was still subscribed when the next exchange's answer came:
 * Java 17's socket keeps one pending read subscriber, Java 25's drops the one it replaces. Nothing here retries: a
 * request that gets no whole answer fails, and so does an answer this client does not frame (HTTP/1.1 with a declared
 * length, as the API's are).
 */
final class SocketHttp implements AutoCloseable {
    private static final int TIMEOUT_MILLIS = 30_000;
    private static final Pattern STATUS_LINE = Pattern.compile("HTTP/1\\.1 ([2-5]\\d\\d) ");

    /** An answer as written: its status, its head (the status line and headers) and its body. */
    record Response(int status, String head, String body) {
        String header(String name) {
            return headerOf(head, name).orElseThrow(() -> new AssertionError("no " + name + " header in:\n" + head));
        }
    }

    private final InetSocketAddress server;
    private final ThreadLocal<Connection> connections = new ThreadLocal<>();
    private final Queue<Connection> opened = new ConcurrentLinkedQueue<>();
    private volatile boolean closed;

    SocketHttp(String baseUrl) {
        URI uri = URI.create(baseUrl);
        this.server = new InetSocketAddress(uri.getHost(), uri.getPort());
    }

    /**
     * A JSON POST on this thread's connection: opened on first use, and again after an answer that ended it
     * ({@code Connection: close}, no length) or a failed request. A connection the server closed while idle is not
     * noticed: the next request on it fails.
     *
     * @param headers name, value, name, value, ...
     */
    Response post(String path, String json, String... headers) {
        if (closed) {
            throw new IllegalStateException("This client to " + server + " is closed");
        }
        Connection connection = connections.get();
        if (connection == null || connection.closed) {
            if (connection != null) {
                opened.remove(connection);
            }
            connection = new Connection(server, null);
            connections.set(connection);
            opened.add(connection);
        }
        try {
            return connection.exchange(path, json, false, headers);
        } catch (IOException e) {
            connection.close();
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A JSON POST on a connection of its own from the loopback address {@code from}, which the server closes after
     * its answer (so the closing side's TIME_WAIT is the server's, not that of a fresh port of {@code from}'s).
     */
    static Response post(int port, String from, String path, String json) {
        try (Connection connection = new Connection(new InetSocketAddress("127.0.0.1", port), from)) {
            return connection.exchange(path, json, true);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        closed = true;
        opened.forEach(Connection::close);
    }

    private static Optional<String> headerOf(String head, String name) {
        return head.lines().filter(l -> l.regionMatches(true, 0, name + ":", 0, name.length() + 1))
                .map(l -> l.substring(name.length() + 1).trim()).findFirst();
    }

    private static final class Connection implements AutoCloseable {
        private final Socket socket = new Socket();
        private final String host;
        private final InputStream in;
        private final OutputStream out;
        private volatile boolean closed;

        Connection(InetSocketAddress server, String from) {
            try {
                socket.setSoTimeout(TIMEOUT_MILLIS);
                if (from != null) {
                    socket.bind(new InetSocketAddress(from, 0));
                }
                socket.connect(server, 5_000);
                in = new BufferedInputStream(socket.getInputStream());
                out = socket.getOutputStream();
            } catch (IOException e) {
                close();
                throw new UncheckedIOException("Cannot connect to " + server, e);
            }
            host = server.getHostString() + ":" + server.getPort();
        }

        /** Sends a request and reads its answer; closes after the {@code last} one or one that ends the connection. */
        Response exchange(String path, String json, boolean last, String... headers) throws IOException {
            byte[] body = json.getBytes(StandardCharsets.UTF_8);
            StringBuilder request = new StringBuilder("POST ").append(path).append(" HTTP/1.1\r\nHost: ").append(host)
                    .append("\r\nContent-Type: application/json\r\nContent-Length: ").append(body.length)
                    .append(last ? "\r\nConnection: close" : "");
            for (int i = 0; i < headers.length; i += 2) {
                request.append("\r\n").append(headers[i]).append(": ").append(headers[i + 1]);
            }
            // In one write: a body written after its head waited for the head's delayed ACK (Nagle's algorithm), 40 ms.
            byte[] head = request.append("\r\n\r\n").toString().getBytes(StandardCharsets.US_ASCII);
            byte[] whole = Arrays.copyOf(head, head.length + body.length);
            System.arraycopy(body, 0, whole, head.length, body.length);
            out.write(whole);
            out.flush();
            Response answer = read();
            boolean ends = headerOf(answer.head(), "Connection").stream()
                    .flatMap(value -> Arrays.stream(value.split(",")))
                    .anyMatch(token -> token.trim().equalsIgnoreCase("close"));
            if (!closed && (last || ends)) {
                // On to the server's close, so that the TIME_WAIT is the server's; the answer is whole either way.
                try {
                    in.transferTo(OutputStream.nullOutputStream());
                } catch (IOException e) {
                    // Reset or timed out after the answer: closed here instead.
                }
                close();
            }
            return answer;
        }

        /** One final answer: a status line, headers and a body of its declared length (none for 204 and 304). */
        private Response read() throws IOException {
            String head = head();
            Matcher statusLine = STATUS_LINE.matcher(head);
            if (!statusLine.lookingAt() || headerOf(head, "Transfer-Encoding").isPresent()) {
                throw new IOException("Not an answer this client reads (an HTTP/1.1 final status, a declared"
                        + " length):\n" + head);
            }
            int status = Integer.parseInt(statusLine.group(1));
            Optional<String> length = headerOf(head, "Content-Length");
            byte[] body;
            if (status == 204 || status == 304) {
                body = new byte[0];
            } else if (length.isPresent()) {
                int declared = parseLength(length.get(), head);
                body = in.readNBytes(declared);
                if (body.length < declared) {
                    throw new EOFException("The connection ended after " + body.length + " of an answer's " + declared
                            + " bytes");
                }
            } else {
                // Without a length the body ends with the connection.
                body = in.readAllBytes();
                close();
            }
            return new Response(status, head, new String(body, StandardCharsets.UTF_8));
        }

        private static int parseLength(String value, String head) throws IOException {
            try {
                int length = Integer.parseInt(value);
                if (length >= 0) {
                    return length;
                }
            } catch (NumberFormatException e) {
                // Refused below.
            }
            throw new IOException("A Content-Length this client does not read:\n" + head);
        }

        /** The status line and headers, up to the empty line; an answer that ends before them is an EOFException. */
        private String head() throws IOException {
            ByteArrayOutputStream head = new ByteArrayOutputStream();
            int matched = 0;
            while (matched < 4) {
                int b = in.read();
                if (b < 0) {
                    throw new EOFException("The connection ended after " + head.size() + " bytes of an answer's head");
                }
                head.write(b);
                matched = b == (matched % 2 == 0 ? '\r' : '\n') ? matched + 1 : b == '\r' ? 1 : 0;
            }
            String text = head.toString(StandardCharsets.ISO_8859_1);
            return text.substring(0, text.length() - 4);
        }

        @Override
        public void close() {
            closed = true;
            try {
                socket.close();
            } catch (IOException e) {
                // Closing is all that is left to do.
            }
        }
    }
}
