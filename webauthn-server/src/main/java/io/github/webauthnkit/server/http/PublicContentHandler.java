package io.github.webauthnkit.server.http;

import io.github.webauthnkit.server.tokens.TokenService.PublishedJwks;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.zip.GZIPOutputStream;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.http.PreEncodedHttpField;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers GET and HEAD for the public, read-only content straight from Jetty, ahead of the servlet layer and the
 * routes: the JWKS, which every verifying service fetches, the web client's files, and the well-known documents that
 * let apps and related origins use this relying party ({@link WellKnownDocuments}, cached like the JWKS). All carry the security
 * headers of every other response, a strong ETag (If-None-Match gives a 304) and their cache policy. Any other
 * request, including other methods on these paths, goes on to the API.
 */
final class PublicContentHandler extends Handler.Wrapper {
    static final String JWKS_PATH = "/.well-known/jwks.json";

    /** Files smaller than this are sent as they are; gzip would save less than a packet. */
    private static final int GZIP_FROM_BYTES = 1400;
    private static final HttpField JWKS_CACHE = new PreEncodedHttpField(HttpHeader.CACHE_CONTROL, "public, max-age=300");
    private static final HttpField FILE_CACHE = new PreEncodedHttpField(HttpHeader.CACHE_CONTROL, "no-cache");
    private static final HttpField JSON = new PreEncodedHttpField(HttpHeader.CONTENT_TYPE, "application/json");
    private static final HttpField VARY = new PreEncodedHttpField(HttpHeader.VARY, "Accept-Encoding");
    private static final HttpField GZIP = new PreEncodedHttpField(HttpHeader.CONTENT_ENCODING, "gzip");
    private static final HttpField NO_STORE = new PreEncodedHttpField(HttpHeader.CACHE_CONTROL, "no-store");
    private static final ByteBuffer INTERNAL_ERROR = ByteBuffer.wrap(
            ("{\"error\":\"internal_error\",\"message\":\"" + ErrorResponses.UNEXPECTED_ERROR + "\"}")
                    .getBytes(StandardCharsets.UTF_8)).asReadOnlyBuffer();
    private static final Logger LOG = LoggerFactory.getLogger(PublicContentHandler.class);

    /** One representation of a resource: its bytes and their ETag. */
    private record Body(ByteBuffer bytes, HttpField etag) {
        static Body of(byte[] bytes, String tag) {
            return new Body(ByteBuffer.allocateDirect(bytes.length).put(bytes).flip().asReadOnlyBuffer(),
                    new PreEncodedHttpField(HttpHeader.ETAG, tag));
        }
    }

    /** A web client file or a well-known document: its type, its cache policy, its bytes, and a gzip copy when that is worth it. */
    private record File(HttpField type, HttpField cache, Body identity, Body gzip) {
    }

    private final Supplier<PublishedJwks> publishedJwks;
    private final List<HttpField> security = new ArrayList<>();
    private final Map<String, File> files = new HashMap<>();
    /** The last JWKS the token service published, and its bytes: it changes only when the ring does. */
    private volatile Map.Entry<PublishedJwks, Body> jwks;

    /**
     * @param publishedJwks the token service's JWKS as of now
     * @param staticFiles request path to bytes ({@link StaticFiles#load}); "/" answers with index.html
     * @param documents   request path to the JSON of a well-known document ({@link WellKnownDocuments#of})
     */
    PublicContentHandler(Supplier<PublishedJwks> publishedJwks, SecurityHeaders headers,
                         Map<String, byte[]> staticFiles, Map<String, byte[]> documents) {
        this.publishedJwks = publishedJwks;
        headers.values().forEach((name, value) -> security.add(new PreEncodedHttpField(name, value)));
        staticFiles.forEach((path, bytes) -> files.put(path, file(StaticFiles.contentType(path), FILE_CACHE, bytes)));
        documents.forEach((path, bytes) -> files.put(path, file(JSON.getValue(), JWKS_CACHE, bytes)));
        File index = files.get("/index.html");
        if (index != null) {
            files.put("/", index);
        }
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        String method = request.getMethod();
        boolean head = HttpMethod.HEAD.is(method);
        if (!head && !HttpMethod.GET.is(method)) {
            return super.handle(request, response, callback);
        }
        String path = Request.getPathInContext(request);
        boolean jwksPath = JWKS_PATH.equals(path);
        File file = jwksPath ? null : files.get(path);
        if (!jwksPath && file == null) {
            return super.handle(request, response, callback);
        }
        HttpFields.Mutable headers = response.getHeaders();
        security.forEach(headers::add);
        Body body;
        if (jwksPath) {
            try {
                body = currentJwks();
            } catch (RuntimeException e) {
                // As the API's own handler for the unexpected: logged here, a generic JSON 500 to the client.
                LOG.error("Publishing the JWKS failed", e);
                headers.add(NO_STORE);
                headers.add(JSON);
                response.setStatus(HttpStatus.INTERNAL_SERVER_ERROR_500);
                response.write(true, INTERNAL_ERROR.slice(), callback);
                return true;
            }
            headers.add(JWKS_CACHE);
            headers.add(JSON);
        } else {
            boolean gzip = file.gzip() != null && acceptsGzip(request.getHeaders().get(HttpHeader.ACCEPT_ENCODING));
            body = gzip ? file.gzip() : file.identity();
            headers.add(file.cache());
            headers.add(file.type());
            if (file.gzip() != null) {
                headers.add(VARY);
            }
            if (gzip) {
                headers.add(GZIP);
            }
        }
        headers.add(body.etag());
        if (matches(request.getHeaders().get(HttpHeader.IF_NONE_MATCH), body.etag().getValue())) {
            response.setStatus(HttpStatus.NOT_MODIFIED_304);
            response.write(true, null, callback);
            return true;
        }
        ByteBuffer bytes = body.bytes().slice();
        headers.put(HttpHeader.CONTENT_LENGTH, bytes.remaining());
        response.setStatus(HttpStatus.OK_200);
        response.write(true, head ? null : bytes, callback);
        return true;
    }

    private static File file(String type, HttpField cache, byte[] bytes) {
        boolean compress = bytes.length >= GZIP_FROM_BYTES && (type.startsWith("text/") || type.contains("json")
                || type.contains("svg"));
        // Strong ETags: the digest of the file, and another tag for its gzip form (RFC 9110 8.8.3.3).
        String tag = digest(bytes);
        return new File(new PreEncodedHttpField(HttpHeader.CONTENT_TYPE, type), cache,
                Body.of(bytes, "\"" + tag + "\""), compress ? Body.of(gzip(bytes), "\"" + tag + "-gzip\"") : null);
    }

    private Body currentJwks() {
        PublishedJwks published = publishedJwks.get();
        Map.Entry<PublishedJwks, Body> cached = jwks;
        if (cached == null || cached.getKey() != published) {
            // The token service's ETag names this JSON; the body is its UTF-8 bytes.
            cached = Map.entry(published, Body.of(published.json().getBytes(StandardCharsets.UTF_8), published.etag()));
            jwks = cached;
        }
        return cached.getValue();
    }

    /** If-None-Match: "*" or a list of tags, compared weakly (RFC 9110 13.1.2). */
    static boolean matches(String ifNoneMatch, String tag) {
        if (ifNoneMatch == null) {
            return false;
        }
        for (String candidate : ifNoneMatch.split(",")) {
            String value = candidate.trim();
            if (value.startsWith("W/")) {
                value = value.substring(2);
            }
            if (value.equals("*") || value.equals(tag)) {
                return true;
            }
        }
        return false;
    }

    /** Accept-Encoding names gzip without refusing it ("gzip;q=0"). */
    static boolean acceptsGzip(String acceptEncoding) {
        if (acceptEncoding == null) {
            return false;
        }
        for (String coding : acceptEncoding.split(",")) {
            String[] parts = coding.trim().split(";");
            if (parts[0].trim().equalsIgnoreCase("gzip")) {
                for (int i = 1; i < parts.length; i++) {
                    String parameter = parts[i].trim().replace(" ", "");
                    if (parameter.matches("(?i)q=0(\\.0{0,3})?")) {
                        return false;
                    }
                }
                return true;
            }
        }
        return false;
    }

    private static String digest(byte[] bytes) {
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(bytes);
            return Base64.getUrlEncoder().withoutPadding().encodeToString(hash).substring(0, 22);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] gzip(byte[] bytes) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(bytes.length / 2);
        try (GZIPOutputStream zip = new GZIPOutputStream(out)) {
            zip.write(bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
