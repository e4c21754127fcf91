package io.github.webauthnkit.server.http;

import io.github.webauthnkit.server.config.ServerConfig;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
import java.util.Locale;

/**
 * The API's request bodies: a JSON object read from the request, then its fields as a typed request. Every refusal
 * is an {@link ApiException} (415, 413, 400 malformed_json or 400 invalid_request) naming what is wrong.
 */
final class RequestBodies {
    static final String TOO_LARGE = "The request body is larger than " + ServerConfig.MAX_BODY_BYTES + " bytes.";

    /**
     * POST /register/start; {@code username} is null with a management token, whose account the passkey is added to.
     */
    record RegisterStartRequest(String username, String displayName) {
    }

    /**
     * POST /register/complete, /authenticate/complete and /account/complete: the started ceremony and the browser's
     * credential.
     */
    record CompleteRequest(String requestId, JsonNode credential) {
    }

    /** POST /authenticate/start; without a username the browser offers its discoverable passkeys. */
    record AuthenticateStartRequest(String username) {
    }

    /** PATCH /credentials/{id}. */
    record RenameRequest(String name) {
    }

    private final ObjectMapper json;

    RequestBodies(ObjectMapper json) {
        this.json = json;
    }

    /** The request's JSON object; an empty body is an empty object. */
    JsonNode read(Context ctx) {
        String type = ctx.contentType();
        if (type == null || !type.toLowerCase(Locale.ROOT).startsWith("application/json")) {
            throw new ApiException(415, "unsupported_media_type", "Send the request body as application/json.");
        }
        byte[] bytes = bytes(ctx);
        JsonNode node;
        try {
            node = bytes.length == 0 ? json.createObjectNode() : json.readTree(bytes);
        } catch (JsonProcessingException e) {
            throw new ApiException(400, "malformed_json", "The request body is not valid JSON.");
        } catch (IOException e) {
            throw new ApiException(400, "malformed_json", "The request body could not be read.");
        }
        if (node == null || !node.isObject()) {
            throw new ApiException(400, "malformed_json", "The request body must be a JSON object.");
        }
        return node;
    }

    /** The body's bytes; a read that fails (a connection that ended early, chunks Jetty cannot parse) is a 400. */
    private static byte[] bytes(Context ctx) {
        try {
            return body(ctx.req().getInputStream(), ctx.req().getContentLengthLong());
        } catch (IOException e) {
            throw new ApiException(400, "malformed_json", "The request body could not be read.");
        }
    }

    /**
     * A body of {@code declared} bytes ({@code -1}: sent in chunks), read here rather than by Javalin, whose reader
     * takes an 8 KiB chunk, a growing copy and a final copy for every body. A body of a declared length is read into
     * one array of that length and then on to its end; one sent in chunks up to a byte past the limit. One declared
     * over the limit is read and dropped up to the limit before its 413, as Javalin's reader did: refused unread, a
     * client still sending it met a closed connection (a broken pipe) instead of the 413.
     */
    static byte[] body(InputStream in, long declared) throws IOException {
        if (declared > ServerConfig.MAX_BODY_BYTES) {
            drop(in, ServerConfig.MAX_BODY_BYTES);
            throw new ApiException(413, "payload_too_large", TOO_LARGE);
        }
        if (declared >= 0) {
            byte[] bytes = new byte[(int) declared];
            // Jetty reports a connection that ends early as an IOException; a stream that just ends is refused too.
            if (in.readNBytes(bytes, 0, bytes.length) < bytes.length) {
                throw new ApiException(400, "malformed_json", "The request body is shorter than its Content-Length.");
            }
            // Read on to the body's end, as Javalin's reader did: the request is then wholly consumed before the
            // answer, and Jetty has no reason to close the keep-alive connection after it.
            if (in.read() != -1) {
                throw new ApiException(400, "malformed_json", "The request body is longer than its Content-Length.");
            }
            return bytes;
        }
        byte[] bytes = in.readNBytes(ServerConfig.MAX_BODY_BYTES + 1);
        if (bytes.length > ServerConfig.MAX_BODY_BYTES) {
            throw new ApiException(413, "payload_too_large", TOO_LARGE);
        }
        return bytes;
    }

    private static void drop(InputStream in, long bytes) {
        try {
            in.skipNBytes(bytes);
        } catch (IOException e) {
            // Ended sooner (an EOFException) or broken: the body is refused either way.
        }
    }

    /** With a management token the username field is not read, so it cannot refuse the request. */
    static RegisterStartRequest registerStart(JsonNode body, boolean signedIn) {
        return new RegisterStartRequest(signedIn ? null : text(body, "username", true),
                text(body, "displayName", false));
    }

    static CompleteRequest complete(JsonNode body) {
        return new CompleteRequest(text(body, "requestId", true), object(body, "credential"));
    }

    static AuthenticateStartRequest authenticateStart(JsonNode body) {
        return new AuthenticateStartRequest(text(body, "username", false));
    }

    static RenameRequest rename(JsonNode body) {
        return new RenameRequest(text(body, "name", true));
    }

    private static String text(JsonNode body, String field, boolean required) {
        JsonNode value = body.get(field);
        if (value == null || value.isNull()) {
            if (required) {
                throw new ApiException(400, "invalid_request", "Missing field '" + field + "'.");
            }
            return null;
        }
        if (!value.isTextual()) {
            throw new ApiException(400, "invalid_request", "Field '" + field + "' must be a string.");
        }
        return value.asText();
    }

    private static JsonNode object(JsonNode body, String field) {
        JsonNode value = body.get(field);
        if (value == null || !value.isObject()) {
            throw new ApiException(400, "invalid_request", "Field '" + field + "' must be a JSON object.");
        }
        return value;
    }
}
