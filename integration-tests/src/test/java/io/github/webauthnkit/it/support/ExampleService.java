package io.github.webauthnkit.it.support;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An example's exchange service running as its own process on a port it picks itself ({@code EXCHANGE_PORT=0}); it
 * is ready once it prints {@code listening on http://<address>:<port>}. Closing stops it.
 */
public final class ExampleService implements AutoCloseable {
    private static final Pattern LISTENING = Pattern.compile("listening on (http://[^\\s]+:\\d+)");
    // HTTP/2 on purpose (the client's default): over http:// every request then asks to upgrade to h2c, as clients
    // such as curl --http2 do, and the services must keep their connections usable under that too.
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2)
            .connectTimeout(Duration.ofSeconds(5)).build();

    private final Process process;
    private final StringBuffer output = new StringBuffer();
    private final String baseUrl;

    private ExampleService(Process process, Duration limit) {
        this.process = process;
        CompletableFuture<String> url = new CompletableFuture<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader lines = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = lines.readLine()) != null) {
                    output.append(line).append('\n');
                    Matcher m = LISTENING.matcher(line);
                    if (m.find()) {
                        url.complete(m.group(1));
                    }
                }
            } catch (IOException e) {
                // the process ended
            }
            url.complete(null);
        }, "example-service-output");
        reader.setDaemon(true);
        reader.start();
        try {
            String found = url.get(limit.toSeconds(), TimeUnit.SECONDS);
            if (found == null) {
                throw new AssertionError("The service ended before it listened:\n" + output);
            }
            baseUrl = found;
        } catch (TimeoutException e) {
            close();
            throw new AssertionError("The service did not listen within " + limit.toSeconds() + " s:\n" + output);
        } catch (Exception e) {
            close();
            throw new AssertionError("Cannot start the service: " + e + "\n" + output, e);
        }
    }

    public static ExampleService start(Path dir, List<String> command, Map<String, String> environment) {
        try {
            ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true);
            builder.environment().putAll(environment);
            return new ExampleService(builder.start(), Duration.ofSeconds(60));
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot run " + command, e);
        }
    }

    public String baseUrl() {
        return baseUrl;
    }

    /** Everything the service printed so far. */
    public String output() {
        return output.toString();
    }

    public HttpResponse<String> get(String path, String bearer) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(baseUrl + path)).GET();
        if (bearer != null) {
            request.header("Authorization", "Bearer " + bearer);
        }
        return send(request);
    }

    public HttpResponse<String> post(String path, String contentType, String body) {
        return send(HttpRequest.newBuilder(URI.create(baseUrl + path)).header("Content-Type", contentType)
                .POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    private HttpResponse<String> send(HttpRequest.Builder request) {
        HttpRequest built = request.timeout(Duration.ofSeconds(20)).build();
        try {
            return HTTP.send(built, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(built.method() + " " + built.uri() + " failed: " + e.getMessage()
                    + "\nThe service printed:\n" + output, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        Processes.stop(process);
    }
}
