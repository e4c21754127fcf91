package io.github.webauthnkit.server.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * A client of the server's JSON API that uses a software authenticator, as a browser would: over the JDK's HttpClient,
 * or over {@link SocketHttp} (plain HTTP, as the load-test tool sends).
 */
public final class PasskeyClient {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient http;
    private final SocketHttp sockets;
    private final String baseUrl;
    private final SoftwareAuthenticator authenticator;

    public PasskeyClient(String baseUrl, SoftwareAuthenticator authenticator) {
        this(HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build(), baseUrl, authenticator);
    }

    public PasskeyClient(HttpClient http, String baseUrl, SoftwareAuthenticator authenticator) {
        this(http, null, baseUrl, authenticator);
    }

    /** Sends through {@code sockets}, to its server; the caller closes it. Its answers have no {@link Response#raw}. */
    public PasskeyClient(SocketHttp sockets, SoftwareAuthenticator authenticator) {
        this(null, sockets, null, authenticator);
    }

    private PasskeyClient(HttpClient http, SocketHttp sockets, String baseUrl, SoftwareAuthenticator authenticator) {
        this.http = http;
        this.sockets = sockets;
        this.baseUrl = baseUrl;
        this.authenticator = authenticator;
    }

    /**
     * An HTTP answer: its status, its JSON body (or null), its body as text, and the JDK's response (null for a
     * client over {@link SocketHttp}).
     */
    public record Response(int status, JsonNode body, String text, HttpResponse<String> raw) {
        public Response expect(int expected) {
            if (status != expected) {
                throw new AssertionError("Expected HTTP " + expected + " but got " + status + ": " + text);
            }
            return this;
        }
    }

    public SoftwareAuthenticator authenticator() {
        return authenticator;
    }

    /** Registers a new account with one passkey; returns the completion's body ({userId, credentialId}). */
    public JsonNode register(String username) {
        JsonNode started = post("/register/start", object().put("username", username).put("displayName", username), null)
                .expect(200).body();
        return completeRegistration(started, null).expect(201).body();
    }

    /**
     * Adds a passkey to an account: the management token (see {@link #manage}) goes with both steps. The passkey is
     * created on this client's authenticator.
     */
    public JsonNode addPasskey(String managementToken) {
        JsonNode started = post("/register/start", object(), managementToken).expect(200).body();
        return completeRegistration(started, managementToken).expect(201).body();
    }

    public Response completeRegistration(JsonNode started, String token) {
        ObjectNode body = object().put("requestId", started.path("requestId").asText());
        body.set("credential", authenticator.register(started.path("publicKey")));
        return post("/register/complete", body, token);
    }

    /** Signs in (with the username, or with a discoverable passkey when it is null) and returns the access token. */
    public String signIn(String username) {
        JsonNode started = startAuthentication(username).expect(200).body();
        return completeAuthentication(started).expect(200).body().path("access_token").asText();
    }

    public Response startAuthentication(String username) {
        return post("/authenticate/start", username == null ? object() : object().put("username", username), null);
    }

    public Response completeAuthentication(JsonNode started) {
        return post("/authenticate/complete", assertion(started), null);
    }

    /** The body that completes a started authentication: its request id and this authenticator's assertion. */
    public ObjectNode assertion(JsonNode started) {
        ObjectNode body = object().put("requestId", started.path("requestId").asText());
        body.set("credential", authenticator.authenticate(started.path("publicKey")));
        return body;
    }

    /**
     * Confirms the signed-in account with one of its passkeys on this client's authenticator (the account ceremony)
     * and returns the management token that changes its passkeys.
     */
    public String manage(String accessToken) {
        JsonNode started = startAccount(accessToken).expect(200).body();
        return completeAccount(started, accessToken).expect(200).body().path("management_token").asText();
    }

    public Response startAccount(String accessToken) {
        return post("/account/start", object(), accessToken);
    }

    public Response completeAccount(JsonNode started, String accessToken) {
        return post("/account/complete", assertion(started), accessToken);
    }

    public Response post(String path, JsonNode body, String token) {
        return send("POST", path, "application/json", body.toString(), token);
    }

    public Response postRaw(String path, String contentType, String body) {
        return send("POST", path, contentType, body, null);
    }

    public Response get(String path, String token) {
        return send("GET", path, null, null, token);
    }

    public Response patch(String path, JsonNode body, String token) {
        return send("PATCH", path, "application/json", body.toString(), token);
    }

    public Response delete(String path, String token) {
        return send("DELETE", path, null, null, token);
    }

    public static ObjectNode object() {
        return JSON.createObjectNode();
    }

    private Response send(String method, String path, String contentType, String body, String token) {
        if (sockets != null) {
            SocketHttp.Response answer = token == null
                    ? sockets.send(method, path, contentType, body)
                    : sockets.send(method, path, contentType, body, "Authorization", "Bearer " + token);
            return new Response(answer.status(), json(answer.body()), answer.body(), null);
        }
        HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create(baseUrl + path)).timeout(Duration.ofSeconds(30));
        if (token != null) {
            builder.header("Authorization", "Bearer " + token);
        }
        if (contentType != null) {
            builder.header("Content-Type", contentType);
        }
        builder.method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(body));
        try {
            HttpResponse<String> response = http.send(builder.build(), HttpResponse.BodyHandlers.ofString());
            return new Response(response.statusCode(), json(response.body()), response.body(), response);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The body as JSON, or null when it is empty or not JSON. */
    private static JsonNode json(String text) {
        if (text.isEmpty()) {
            return null;
        }
        try {
            return JSON.readTree(text);
        } catch (IOException e) {
            return null;
        }
    }
}
