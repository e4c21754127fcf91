package io.github.webauthnkit.server.api;

import io.github.webauthnkit.server.testing.SocketHttp;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * Requests the browser-like {@link io.github.webauthnkit.server.testing.PasskeyClient} does not send: any method, body and headers
 * (a proxy's X-Forwarded-For, a foreign Origin, a CORS preflight, If-None-Match). Floods go through {@link SocketHttp}
 * instead, which says why.
 */
final class RawHttp {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private final String baseUrl;

    RawHttp(String baseUrl) {
        this.baseUrl = baseUrl;
    }

    /** @param headers name, value, name, value, ... */
    HttpResponse<String> send(String method, String path, HttpRequest.BodyPublisher body, String... headers) {
        return exchange(method, path, body, HttpResponse.BodyHandlers.ofString(), headers);
    }

    /** A GET whose body is kept as bytes (a gzip-encoded file, say). */
    HttpResponse<byte[]> getBytes(String path, String... headers) {
        return exchange("GET", path, HttpRequest.BodyPublishers.noBody(), HttpResponse.BodyHandlers.ofByteArray(),
                headers);
    }

    private <T> HttpResponse<T> exchange(String method, String path, HttpRequest.BodyPublisher body,
                                         HttpResponse.BodyHandler<T> handler, String... headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(baseUrl + path)).timeout(Duration.ofSeconds(30))
                .method(method, body);
        if (headers.length > 0) {
            request.headers(headers);
        }
        try {
            return HTTP.send(request.build(), handler);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /**
     * Sends a request exactly as written on a connection of its own, ends the connection's sending side (so a body
     * shorter than declared ends there), and returns all of the answer as written.
     */
    String onSocket(String request) throws IOException {
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), URI.create(baseUrl).getPort())) {
            socket.setSoTimeout(30_000);
            socket.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
            socket.shutdownOutput();
            return new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
        }
    }

    HttpResponse<String> get(String path, String... headers) {
        return send("GET", path, HttpRequest.BodyPublishers.noBody(), headers);
    }

    /** A JSON POST with extra headers. */
    HttpResponse<String> post(String path, Object body, String... headers) {
        String[] all = new String[headers.length + 2];
        all[0] = "Content-Type";
        all[1] = "application/json";
        System.arraycopy(headers, 0, all, 2, headers.length);
        return send("POST", path, HttpRequest.BodyPublishers.ofString(body.toString()), all);
    }

    static JsonNode json(HttpResponse<String> response) {
        try {
            return JSON.readTree(response.body());
        } catch (IOException e) {
            throw new AssertionError("Not JSON (HTTP " + response.statusCode() + "): " + response.body(), e);
        }
    }
}
