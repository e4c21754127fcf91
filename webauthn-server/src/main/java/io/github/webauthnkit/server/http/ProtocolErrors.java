package io.github.webauthnkit.server.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.webauthnkit.server.http.ResponseBodies.ErrorBody;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

/**
 * Jetty's own refusals, made before a request reaches the API (a URI with an encoded or ambiguous path, a bad
 * character, headers too large): the API's uncached JSON {@code {"error": code, "message": text}} with its security
 * headers, instead of Jetty's HTML error page without them. A server error says no more than the API's do.
 */
final class ProtocolErrors extends ErrorHandler {
    static final String NO_SUCH_RESOURCE = "No such resource.";

    private final SecurityHeaders headers;
    private final ObjectMapper json;

    ProtocolErrors(SecurityHeaders headers, ObjectMapper json) {
        this.headers = headers;
        this.json = json;
    }

    /**
     * Every method's refusal gets the body: Jetty writes one only for GET, POST, HEAD and requests it cannot parse, so
     * {@code OPTIONS *} and a {@code CONNECT} to another host were answered with a bare status and none of the security
     * headers. Jetty still sends no body where HTTP has none (HEAD, 1xx, 204, 304).
     */
    @Override
    public boolean errorPageForMethod(String method) {
        return true;
    }

    @Override
    protected void generateResponse(Request request, Response response, int code, String message, Throwable cause,
                                    Callback callback) {
        HttpFields.Mutable fields = response.getHeaders();
        fields.put(HttpHeader.CONTENT_TYPE, "application/json");
        fields.put(HttpHeader.CACHE_CONTROL, "no-store");
        headers.values().forEach(fields::put);
        response.write(true, ByteBuffer.wrap(body(code)), callback);
    }

    /**
     * Jetty names only the status (it keeps what it refused out of the answer), so a refusal's message says where to
     * look. A 500, a 503 (as while the server stops) and a 404 (a request for no path, such as {@code OPTIONS *})
     * answer as the API's own do, with their codes; the 404 names no path. Every other status, a 5xx such as 505 (an
     * HTTP version it does not speak) among them, refuses the request.
     */
    byte[] body(int status) {
        ErrorBody body = switch (status) {
            case 404 -> new ErrorBody("not_found", NO_SUCH_RESOURCE);
            case 500 -> new ErrorBody("internal_error", ErrorResponses.UNEXPECTED_ERROR);
            case 503 -> new ErrorBody("unavailable", ErrorResponses.UNAVAILABLE);
            default -> new ErrorBody(status == 400 ? "bad_request" : "http_" + status, "The request was refused as"
                    + " malformed (" + HttpStatus.getMessage(status) + "): look at its request line, its URI's encoding"
                    + " and its headers.");
        };
        try {
            return json.writeValueAsBytes(body);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }
}
