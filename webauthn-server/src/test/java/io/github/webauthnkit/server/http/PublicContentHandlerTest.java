package io.github.webauthnkit.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The public-content handler on its own, in front of a stand-in for the API: what it leaves to the API, how it fails,
 * and the request headers it reads itself (If-None-Match and Accept-Encoding).
 */
class PublicContentHandlerTest {
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @Test
    void aFailingJwksAnswersTheApisJson500AndEverythingElseGoesOnToTheApi() throws Exception {
        PublicContentHandler handler = new PublicContentHandler(() -> {
            throw new IllegalStateException("the ring is unreadable");
        }, new SecurityHeaders(false), Map.of("/index.html", "<html>".getBytes(StandardCharsets.UTF_8)), Map.of());
        handler.setHandler(new Handler.Abstract() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) {
                response.setStatus(418);
                callback.succeeded();
                return true;
            }
        });
        Server server = new Server();
        ServerConnector connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        server.addConnector(connector);
        server.setHandler(handler);
        server.start();
        try {
            String base = "http://127.0.0.1:" + connector.getLocalPort();
            HttpResponse<String> jwks = send(base, "GET", PublicContentHandler.JWKS_PATH);
            assertThat(jwks.statusCode()).isEqualTo(500);
            assertThat(jwks.headers().firstValue("Content-Type")).contains("application/json");
            assertThat(jwks.headers().firstValue("Cache-Control")).contains("no-store");
            assertThat(jwks.headers().firstValue("Content-Security-Policy")).contains(SecurityHeaders.CSP);
            JsonNode error = new ObjectMapper().readTree(jwks.body());
            assertThat(error.path("error").asText()).isEqualTo("internal_error");
            assertThat(error.path("message").asText()).isEqualTo(ErrorResponses.UNEXPECTED_ERROR);
            assertThat(jwks.body()).as("the cause stays in the log").doesNotContain("unreadable");

            assertThat(send(base, "GET", "/").body()).as("/ is index.html").isEqualTo("<html>");
            assertThat(send(base, "POST", PublicContentHandler.JWKS_PATH).statusCode()).isEqualTo(418);
            assertThat(send(base, "GET", "/missing.js").statusCode()).isEqualTo(418);
        } finally {
            server.stop();
        }
    }

    private static HttpResponse<String> send(String base, String method, String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(base + path)).method(method,
                HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    }

    @ParameterizedTest(name = "If-None-Match [{0}] -> {1}")
    @CsvSource(delimiter = '|', value = {
        "\"abc\"                 | true",
        "W/\"abc\"               | true",
        "\"x\", \"abc\"          | true",
        "\"x\",W/\"abc\"         | true",
        "*                       | true",
        "\"abcd\"                | false",
        "abc                     | false",
        "\"ab\"                  | false",
        "''                      | false",
    })
    void ifNoneMatchComparesEveryListedTagWeakly(String header, boolean matches) {
        assertThat(PublicContentHandler.matches(header, "\"abc\"")).isEqualTo(matches);
    }

    @ParameterizedTest(name = "Accept-Encoding [{0}] -> {1}")
    @CsvSource(delimiter = '|', value = {
        "gzip                    | true",
        "GZIP                    | true",
        "br, gzip;q=0.5          | true",
        "gzip; q=1.0             | true",
        "gzip;q=0                | false",
        "gzip;q=0.000            | false",
        "gzip ; q=0.0 , br       | false",
        "br, deflate             | false",
        "x-gzip                  | false",
        "''                      | false",
    })
    void gzipIsSentOnlyWhenTheClientAcceptsIt(String header, boolean accepted) {
        assertThat(PublicContentHandler.acceptsGzip(header)).isEqualTo(accepted);
    }

    @Test
    void absentHeadersMatchNothing() {
        assertThat(PublicContentHandler.matches(null, "\"abc\"")).isFalse();
        assertThat(PublicContentHandler.acceptsGzip(null)).isFalse();
    }
}
