package io.github.webauthnkit.server.browser;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/**
 * The two things a related origin needs around the server, on loopback: another site (its own port, reached as
 * {@code related.localhost}) that passes every request on to the server, as a site that proxies the API does; and the
 * RP ID's https host, where the browser fetches {@code /.well-known/webauthn}, here a TLS listener with a throwaway
 * certificate for localhost that passes that one path on (the production proxy's job). Each forwards to a server that
 * the test sets, so one browser can meet several servers.
 */
final class RelatedOriginProxy implements AutoCloseable {
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private static final Set<String> REQUEST_HEADERS = Set.of("content-type", "authorization", "if-none-match");
    private static final Set<String> HOP_BY_HOP = Set.of("connection", "content-length", "transfer-encoding",
            "keep-alive", "date");

    private final HttpServer site;
    private final HttpsServer wellKnown;
    private final String certificateSpki;
    private final Path keyStore;
    private volatile String apiTarget;
    private volatile String wellKnownTarget;

    RelatedOriginProxy(Path workDir) throws Exception {
        keyStore = workDir.resolve("localhost.p12");
        Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair", "-alias", "localhost", "-keyalg", "EC", "-groupname", "secp256r1", "-dname",
                "CN=localhost", "-ext", "san=dns:localhost", "-validity", "2", "-storetype", "PKCS12", "-keystore",
                keyStore.toString(), "-storepass", "changeit", "-keypass", "changeit").redirectErrorStream(true).start();
        String output = new String(keytool.getInputStream().readAllBytes());
        if (!keytool.waitFor(60, TimeUnit.SECONDS) || keytool.exitValue() != 0) {
            throw new IllegalStateException("keytool failed: " + output);
        }
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(keyStore)) {
            store.load(in, "changeit".toCharArray());
        }
        certificateSpki = Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-256")
                .digest(store.getCertificate("localhost").getPublicKey().getEncoded()));
        KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keys.init(store, "changeit".toCharArray());
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(keys.getKeyManagers(), null, null);

        InetAddress loopback = InetAddress.getLoopbackAddress();
        site = HttpServer.create(new InetSocketAddress(loopback, 0), 64);
        site.createContext("/", exchange -> forward(exchange, apiTarget));
        site.start();
        wellKnown = HttpsServer.create(new InetSocketAddress(loopback, 0), 64);
        wellKnown.setHttpsConfigurator(new HttpsConfigurator(tls));
        wellKnown.createContext("/.well-known/webauthn", exchange -> forward(exchange, wellKnownTarget));
        wellKnown.start();
    }

    /** The related site's origin. */
    String origin() {
        return "http://related.localhost:" + site.getAddress().getPort();
    }

    /** Browser flags: the RP ID's https port is this listener, whose certificate the browser accepts. */
    List<String> browserArguments() {
        return List.of("--host-resolver-rules=MAP localhost:443 127.0.0.1:" + wellKnown.getAddress().getPort(),
                "--ignore-certificate-errors-spki-list=" + certificateSpki);
    }

    /** @param api the base URL the related site passes its requests to; wellKnown where the RP ID's document comes from */
    void forwardTo(String api, String wellKnownSource) {
        this.apiTarget = api;
        this.wellKnownTarget = wellKnownSource;
    }

    private static void forward(HttpExchange exchange, String target) throws IOException {
        try (exchange) {
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(target + exchange.getRequestURI()))
                    .method(exchange.getRequestMethod(), HttpRequest.BodyPublishers.ofByteArray(
                            exchange.getRequestBody().readAllBytes()));
            exchange.getRequestHeaders().forEach((name, values) -> {
                if (REQUEST_HEADERS.contains(name.toLowerCase())) {
                    values.forEach(value -> request.header(name, value));
                }
            });
            HttpResponse<byte[]> response = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
            response.headers().map().forEach((name, values) -> {
                if (!HOP_BY_HOP.contains(name.toLowerCase()) && !name.startsWith(":")) {
                    exchange.getResponseHeaders().put(name, values);
                }
            });
            byte[] body = response.body();
            exchange.sendResponseHeaders(response.statusCode(), body.length == 0 ? -1 : body.length);
            exchange.getResponseBody().write(body);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }

    @Override
    public void close() throws IOException {
        site.stop(0);
        wellKnown.stop(0);
        Files.deleteIfExists(keyStore);
        Files.deleteIfExists(keyStore.getParent());
    }
}
