package io.github.webauthnkit.it.support;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Serves a running server's JWKS under one path per client ({@code /<client>/jwks.json}), passing the request's
 * {@code If-None-Match} and the answer's status, body, {@code Cache-Control} and {@code ETag} through unchanged, and
 * counts the fetches of each client: how a test sees how often a verifier goes back to the passkey server. Under
 * {@code /<client>/redirect.json} it answers {@code 302} to that client's JWKS URL instead.
 */
public final class CountingJwksProxy implements AutoCloseable {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private final HttpServer server;
    private final Map<String, AtomicInteger> fetches = new ConcurrentHashMap<>();

    public CountingJwksProxy(String upstreamJwksUrl) {
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.setExecutor(Executors.newFixedThreadPool(4));
        server.createContext("/", exchange -> {
            try (exchange) {
                String[] parts = exchange.getRequestURI().getPath().split("/");
                if (parts.length == 3 && parts[2].equals("redirect.json")) {
                    exchange.getResponseHeaders().set("Location", url(parts[1]));
                    exchange.sendResponseHeaders(302, -1);
                    return;
                }
                if (parts.length != 3 || !parts[2].equals("jwks.json")) {
                    exchange.sendResponseHeaders(404, -1);
                    return;
                }
                fetches.computeIfAbsent(parts[1], c -> new AtomicInteger()).incrementAndGet();
                HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(upstreamJwksUrl)).timeout(Duration.ofSeconds(5));
                String etag = exchange.getRequestHeaders().getFirst("If-None-Match");
                if (etag != null) {
                    request.header("If-None-Match", etag);
                }
                HttpResponse<byte[]> answer = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
                for (String header : new String[] {"Content-Type", "Cache-Control", "ETag"}) {
                    answer.headers().firstValue(header).ifPresent(v -> exchange.getResponseHeaders().set(header, v));
                }
                byte[] body = answer.body();
                exchange.sendResponseHeaders(answer.statusCode(), body.length == 0 ? -1 : body.length);
                if (body.length > 0) {
                    exchange.getResponseBody().write(body);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        server.start();
    }

    /** The JWKS URL for one client. */
    public String url(String client) {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/" + client + "/jwks.json";
    }

    /** A URL that redirects to the client's JWKS URL. */
    public String redirectingUrl(String client) {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/" + client + "/redirect.json";
    }

    /** How many times that client has fetched the JWKS so far. */
    public int fetches(String client) {
        AtomicInteger count = fetches.get(client);
        return count == null ? 0 : count.get();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
