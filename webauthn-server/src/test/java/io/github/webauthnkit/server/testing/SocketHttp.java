package io.github.webauthnkit.server.testing;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Requests over plain HTTP/1.1 on sockets: one kept-alive connection per calling thread, or one connection per
 * request from a chosen loopback address (so the server sees that address). For the load-test tool and the floods,
 * where the JDK's HttpClient costs too much and, on Java 17, loses answers:
 * <ul>
 *   <li>its asynchronous exchanges took two thirds of the load-test tool's CPU, on the cores it shares with the
 *       server it measures, where a blocking write and read per request take a fraction of that;</li>
 *   <li>about once in a few hundred thousand requests it closed a kept-alive connection as an answer arrived and
 *       failed the request with "header parser received no bytes", though the server had written the answer (a
 *       loopback capture: the answer sent, the client's FIN 0.4 ms later). Most likely its pool's watcher of an idle
 *       connection, which closes one that receives data, was still subscribed when the next exchange's answer came:
 *       Java 17's socket keeps one pending read subscriber, Java 25's drops the one it replaces.</li>
 * </ul>
 * Nothing here retries: a request that gets no whole answer fails, and so does an answer this client does not frame
 * (an HTTP/1.1 final answer with a declared length or in chunks, as the API's and its proxy's are). No TLS: an https
 * server is the JDK client's.
 */
public final class SocketHttp implements AutoCloseable {
    private static final int TIMEOUT_MILLIS = 30_000;
    /** A connection idle longer than this is checked for the server's close before it is used again. */
    private static final long IDLE_CHECK_NANOS = TimeUnit.SECONDS.toNanos(1);
    private static final Pattern STATUS_LINE = Pattern.compile("HTTP/1\\.1 ([2-5]\\d\\d) ");

    /** An answer as written: its status, its head (the status line and headers) and its body. */
    public record Response(int status, String head, String body) {
        public String header(String name) {
            return headerOf(head, name).orElseThrow(() -> new AssertionError("no " + name + " header in:\n" + head));
        }
    }

    /** The server's host name and port, resolved at each connect (a server may come back at another address). */
    private final String host;
    private final int port;
    /** The base URL's path, before each request's own ("" for none). */
    private final String basePath;
    private final ThreadLocal<Connection> connections = new ThreadLocal<>();
    private final Queue<Connection> opened = new ConcurrentLinkedQueue<>();
    private volatile boolean closed;

    /** A client of the server at {@code baseUrl}, an http URL; its path, if any, comes before each request's. */
    public SocketHttp(String baseUrl) {
        URI uri = URI.create(baseUrl);
        if (!"http".equalsIgnoreCase(uri.getScheme()) || uri.getHost() == null || uri.getRawQuery() != null) {
            throw new IllegalArgumentException("Not an http URL with a host and no query: " + baseUrl);
        }
        this.host = uri.getHost();
        this.port = uri.getPort() < 0 ? 80 : uri.getPort();
        this.basePath = uri.getRawPath() == null ? "" : uri.getRawPath().replaceAll("/+$", "");
    }

    /** A JSON POST on this thread's connection; see {@link #send}. */
    public Response post(String path, String json, String... headers) {
        return send("POST", path, "application/json", json, headers);
    }

    /**
     * A request on this thread's connection: opened on first use, and again after an answer that ended it
     * ({@code Connection: close}, no length) or a failed request. One idle for more than a second is checked first,
     * so that a connection the server closed while it was idle is replaced instead of failing the request.
     *
     * @param contentType the body's type, or null without a body
     * @param headers     name, value, name, value, ...
     */
    public Response send(String method, String path, String contentType, String body, String... headers) {
        if (closed) {
            throw closedClient();
        }
        Connection connection = connections.get();
        if (connection != null && !connection.closed && connection.idleSince() > IDLE_CHECK_NANOS) {
            connection.closeIfEnded();
        }
        if (connection == null || connection.closed) {
            if (connection != null) {
                opened.remove(connection);
            }
            connection = new Connection(new InetSocketAddress(host, port), null);
            connections.set(connection);
            opened.add(connection);
            if (closed) {
                // close() ran between the check above and the add: it did not see this connection.
                connection.close();
                throw closedClient();
            }
        }
        try {
            return connection.exchange(method, basePath + path, contentType, body, false, headers);
        } catch (IOException e) {
            connection.close();
            throw new UncheckedIOException(e);
        }
    }

    private IllegalStateException closedClient() {
        return new IllegalStateException("This client to " + host + ":" + port + " is closed");
    }

    /**
     * A JSON POST on a connection of its own from the loopback address {@code from}, which the server closes after
     * its answer (so the closing side's TIME_WAIT is the server's, not that of a fresh port of {@code from}'s).
     */
    public static Response post(int port, String from, String path, String json) {
        try (Connection connection = new Connection(new InetSocketAddress("127.0.0.1", port), from)) {
            return connection.exchange("POST", path, "application/json", json, true);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        closed = true;
        opened.forEach(Connection::close);
    }

    /** The first field of that name in a head (lines ending in CRLF), trimmed. */
    private static Optional<String> headerOf(String head, String name) {
        for (int start = head.indexOf("\r\n") + 2; start > 1; start = head.indexOf("\r\n", start) + 2) {
            int colon = start + name.length();
            if (colon < head.length() && head.charAt(colon) == ':'
                    && head.regionMatches(true, start, name, 0, name.length())) {
                int end = head.indexOf("\r\n", colon);
                return Optional.of(head.substring(colon + 1, end < 0 ? head.length() : end).trim());
            }
        }
        return Optional.empty();
    }

    /** Whether a comma-separated header (Connection, Transfer-Encoding) lists the token. */
    private static boolean lists(String head, String name, String token) {
        return headerOf(head, name).stream().flatMap(value -> Arrays.stream(value.split(",")))
                .anyMatch(t -> t.trim().equalsIgnoreCase(token));
    }

    private static final class Connection implements AutoCloseable {
        private final SocketChannel channel;
        private final Socket socket;
        private final String host;
        private final Input in;
        private final OutputStream out;
        private long lastUsed = System.nanoTime();
        private volatile boolean closed;

        Connection(InetSocketAddress server, String from) {
            try {
                // A channel's socket, so that an idle connection can be checked without blocking (closeIfEnded).
                channel = SocketChannel.open();
            } catch (IOException e) {
                throw new UncheckedIOException("Cannot open a socket to " + server, e);
            }
            socket = channel.socket();
            try {
                socket.setSoTimeout(TIMEOUT_MILLIS);
                // Requests go in one write each (exchange); over a network, one larger than a segment must not wait
                // for the ACK of its first part.
                socket.setTcpNoDelay(true);
                if (from != null) {
                    socket.bind(new InetSocketAddress(from, 0));
                }
                socket.connect(server, 5_000);
                in = new Input(socket.getInputStream());
                out = socket.getOutputStream();
            } catch (IOException e) {
                close();
                throw new UncheckedIOException("Cannot connect to " + server, e);
            }
            host = server.getHostString() + ":" + server.getPort();
        }

        long idleSince() {
            return System.nanoTime() - lastUsed;
        }

        /**
         * Closes the connection if the server ended it (or wrote to it unasked) while it was idle: a read that does
         * not wait, since the time it took would count in the request's latency.
         */
        void closeIfEnded() {
            try {
                // -1 at the server's close; a byte nobody asked for puts the connection out of step: both end it.
                if (in.available() > 0 || readWithoutWaiting() != 0) {
                    close();
                }
            } catch (IOException e) {
                close();
            }
        }

        /** Reads at most a byte if one is there already: 0 when none is, -1 at the connection's end. */
        private int readWithoutWaiting() throws IOException {
            channel.configureBlocking(false);
            try {
                return channel.read(ByteBuffer.allocate(1));
            } finally {
                channel.configureBlocking(true);
            }
        }

        /** Sends a request and reads its answer; closes after the {@code last} one or one that ends the connection. */
        Response exchange(String method, String path, String contentType, String text, boolean last,
                          String... headers) throws IOException {
            byte[] body = text == null ? new byte[0] : text.getBytes(StandardCharsets.UTF_8);
            StringBuilder request = new StringBuilder(method).append(' ').append(path).append(" HTTP/1.1\r\nHost: ")
                    .append(host);
            if (contentType != null) {
                request.append("\r\nContent-Type: ").append(contentType);
            }
            if (text != null || method.equals("POST") || method.equals("PUT") || method.equals("PATCH")) {
                request.append("\r\nContent-Length: ").append(body.length);
            }
            if (last) {
                request.append("\r\nConnection: close");
            }
            for (int i = 0; i < headers.length; i += 2) {
                request.append("\r\n").append(headers[i]).append(": ").append(headers[i + 1]);
            }
            // In one write: a body written after its head waited for the head's delayed ACK (Nagle's algorithm), 40 ms,
            // before TCP_NODELAY was set, and two writes cost two system calls.
            byte[] head = request.append("\r\n\r\n").toString().getBytes(StandardCharsets.UTF_8);
            byte[] whole = Arrays.copyOf(head, head.length + body.length);
            System.arraycopy(body, 0, whole, head.length, body.length);
            out.write(whole);
            out.flush();
            Response answer = read(method.equals("HEAD"));
            lastUsed = System.nanoTime();
            if (!closed && (last || lists(answer.head(), "Connection", "close"))) {
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

        /**
         * One final answer: a status line, headers and a body of its declared length, in chunks, or (without either)
         * up to the connection's end; none for HEAD, 204 and 304.
         */
        private Response read(boolean headRequest) throws IOException {
            String head = head();
            Matcher statusLine = STATUS_LINE.matcher(head);
            if (!statusLine.lookingAt()) {
                throw new IOException("Not an answer this client reads (an HTTP/1.1 final status):\n" + head);
            }
            int status = Integer.parseInt(statusLine.group(1));
            Optional<String> encoding = headerOf(head, "Transfer-Encoding");
            Optional<String> length = headerOf(head, "Content-Length");
            byte[] body;
            if (headRequest || status == 204 || status == 304) {
                body = new byte[0];
            } else if (encoding.isPresent()) {
                if (!encoding.get().equalsIgnoreCase("chunked")) {
                    throw new IOException("A Transfer-Encoding this client does not read:\n" + head);
                }
                body = chunks();
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

        /** A chunked body: each chunk's size in hex (extensions ignored), its bytes, then the trailer, ignored. */
        private byte[] chunks() throws IOException {
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            while (true) {
                String sizeLine = line();
                int size;
                try {
                    size = Integer.parseInt(sizeLine.split(";", 2)[0].trim(), 16);
                } catch (NumberFormatException e) {
                    size = -1;
                }
                if (size < 0) {
                    throw new IOException("Not a chunk size: " + sizeLine);
                }
                if (size == 0) {
                    while (!line().isEmpty()) {
                        // Trailer fields, not needed.
                    }
                    return body.toByteArray();
                }
                byte[] chunk = in.readNBytes(size);
                if (chunk.length < size) {
                    throw new EOFException("The connection ended inside a chunk of an answer, after "
                            + (body.size() + chunk.length) + " bytes of its body");
                }
                body.write(chunk);
                if (!line().isEmpty()) {
                    throw new IOException("A chunk of " + size + " bytes was longer than its size said");
                }
            }
        }

        /** A line ending with CRLF, without it; the connection's end before it is an EOFException. */
        private String line() throws IOException {
            Bytes line = new Bytes(64);
            int previous = -1;
            for (int b = in.read(); ; b = in.read()) {
                if (b < 0) {
                    throw new EOFException("The connection ended inside a chunked answer");
                }
                if (previous == '\r' && b == '\n') {
                    return line.text(line.size - 1);
                }
                if (line.size > 8192) {
                    throw new IOException("A chunk's line of more than 8 KiB");
                }
                line.add(b);
                previous = b;
            }
        }

        /** The status line and headers, up to the empty line; an answer that ends before them is an EOFException. */
        private String head() throws IOException {
            Bytes head = new Bytes(1024);
            int matched = 0;
            while (matched < 4) {
                int b = in.read();
                if (b < 0) {
                    throw new EOFException("The connection ended after " + head.size + " bytes of an answer's head");
                }
                head.add(b);
                matched = b == (matched % 2 == 0 ? '\r' : '\n') ? matched + 1 : b == '\r' ? 1 : 0;
            }
            return head.text(head.size - 4);
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

    /**
     * The socket's input through a buffer of its own: {@link java.io.BufferedInputStream} takes a lock on every byte
     * read, and a head is read a byte at a time (the load-test tool took 0.18 ms of CPU a ceremony with it and
     * ByteArrayOutputStream, 0.14 ms with this and {@link Bytes}).
     */
    private static final class Input extends InputStream {
        private final InputStream from;
        private final byte[] buffer = new byte[8192];
        private int position;
        private int limit;

        Input(InputStream from) {
            this.from = from;
        }

        @Override
        public int read() throws IOException {
            if (position == limit && !fill()) {
                return -1;
            }
            return buffer[position++] & 0xff;
        }

        @Override
        public int read(byte[] into, int offset, int length) throws IOException {
            if (length == 0) {
                return 0;
            }
            if (position == limit) {
                if (length >= buffer.length) {
                    return from.read(into, offset, length);
                }
                if (!fill()) {
                    return -1;
                }
            }
            int taken = Math.min(length, limit - position);
            System.arraycopy(buffer, position, into, offset, taken);
            position += taken;
            return taken;
        }

        @Override
        public int available() throws IOException {
            return limit - position + from.available();
        }

        private boolean fill() throws IOException {
            int read = from.read(buffer, 0, buffer.length);
            if (read <= 0) {
                return false;
            }
            position = 0;
            limit = read;
            return true;
        }
    }

    /** Bytes collected one at a time, without the lock of ByteArrayOutputStream's every write. */
    private static final class Bytes {
        private byte[] bytes;
        private int size;

        Bytes(int capacity) {
            bytes = new byte[capacity];
        }

        void add(int b) {
            if (size == bytes.length) {
                bytes = Arrays.copyOf(bytes, size * 2);
            }
            bytes[size++] = (byte) b;
        }

        /** The first {@code length} bytes as ISO-8859-1, as HTTP heads are read. */
        String text(int length) {
            return new String(bytes, 0, length, StandardCharsets.ISO_8859_1);
        }
    }
}
