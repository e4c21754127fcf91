package webauthn.example;

import com.nimbusds.jose.KeySourceException;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSelector;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.proc.SecurityContext;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The passkey server's JWKS, from its URL (or from the exported file), cached as the contract says:
 * <ul>
 * <li>fresh for the answer's {@code Cache-Control: max-age}, at most 1 hour, 5 minutes without one (a file: 5
 * minutes);</li>
 * <li>a stale copy is revalidated with {@code If-None-Match}; when that fails the stale copy is kept (and the failure
 * logged), and the next attempt waits for the cooldown so that a server that is down is not hammered;</li>
 * <li>a selection that finds no key (an unknown {@code kid}) refetches once, unless the last fetch was less than the
 * cooldown ago: invented {@code kid}s cost the passkey server at most one request per cooldown.</li>
 * </ul>
 * Each fetch has 5 s in all (connection, headers and body) and at most 1 MiB of body. A file is re-read by the same
 * rules, so a long-running service also follows a key rotation that rewrites the exported file.
 */
public final class CachingJwkSource implements JWKSource<SecurityContext> {
    static final Duration TIMEOUT = Duration.ofSeconds(5);
    static final int MAX_BYTES = 1 << 20;
    static final Duration DEFAULT_MAX_AGE = Duration.ofMinutes(5);
    static final Duration MAX_MAX_AGE = Duration.ofHours(1);
    private static final Pattern MAX_AGE =
            Pattern.compile("(?:^|,)\\s*max-age\\s*=\\s*\"?(\\d{1,10})\"?\\s*(?=,|$)", Pattern.CASE_INSENSITIVE);

    /** What the readers see without taking the lock: the keys (null before the first good fetch) and until when. */
    private record Cached(JWKSet keys, String etag, Instant freshUntil, Instant lastFetch) {
    }

    /** One load: the new keys, or null keys when the copy held (its ETag given) is still current. */
    private record Loaded(JWKSet keys, String etag, Duration maxAge) {
    }

    private interface Loader {
        Loaded load(String etag) throws IOException, ParseException;
    }

    private final String where;
    private final Loader loader;
    private final Duration cooldown;
    private final Clock clock;
    private final Object fetchLock = new Object();
    private volatile Cached cached = new Cached(null, null, Instant.MIN, null);
    private volatile String lastError = "not fetched yet";

    private CachingJwkSource(String where, Loader loader, Duration cooldown, Clock clock) {
        this.where = where;
        this.loader = loader;
        this.cooldown = cooldown;
        this.clock = clock;
    }

    /** Nothing is fetched here: the first token that passes the header checks triggers the first fetch. */
    public static CachingJwkSource url(URI uri, Duration cooldown, Clock clock) {
        // Redirects are not followed: the JWKS URL is configuration, and a redirect elsewhere is a failure.
        HttpClient http = HttpClient.newBuilder()
                .connectTimeout(TIMEOUT)
                .followRedirects(HttpClient.Redirect.NEVER)
                .version(HttpClient.Version.HTTP_1_1)
                .build();
        return new CachingJwkSource(uri.toString(), etag -> download(http, uri, etag), cooldown, clock);
    }

    /** Read once now, so that an unreadable file is a configuration error rather than a refused token. */
    public static CachingJwkSource file(Path file, Duration cooldown, Clock clock) throws IOException, ParseException {
        Loader read = etag -> {
            if (Files.size(file) > MAX_BYTES) {
                throw new IOException("the JWKS is larger than " + MAX_BYTES + " bytes");
            }
            return new Loaded(parse(Files.readAllBytes(file)), null, DEFAULT_MAX_AGE);
        };
        CachingJwkSource source = new CachingJwkSource(file.toString(), read, cooldown, clock);
        Instant now = clock.instant();
        source.cached = new Cached(read.load(null).keys, null, now.plus(DEFAULT_MAX_AGE), now);
        return source;
    }

    @Override
    public List<JWK> get(JWKSelector selector, SecurityContext context) throws KeySourceException {
        Cached now = cached;
        if (now.keys != null && clock.instant().isBefore(now.freshUntil)) {
            List<JWK> found = selector.select(now.keys);
            if (!found.isEmpty()) {
                return found;
            }
        }
        synchronized (fetchLock) {
            Instant time = clock.instant();
            now = cached;
            if (!time.isBefore(now.freshUntil)) {
                now = fetch(now, time);
            }
            if (now.keys == null) {
                throw new KeySourceException("the JWKS from " + where + " is unavailable: " + lastError);
            }
            List<JWK> found = selector.select(now.keys);
            if (found.isEmpty() && cooledDown(now, time)) {
                now = fetch(now, time);
                found = selector.select(now.keys);
            }
            return found;
        }
    }

    private boolean cooledDown(Cached state, Instant time) {
        return state.lastFetch == null || !time.isBefore(state.lastFetch.plus(cooldown));
    }

    /** One fetch; a failure keeps what was cached and is only retried after the cooldown. Caller holds the lock. */
    private Cached fetch(Cached previous, Instant time) {
        Cached next;
        try {
            Loaded loaded = loader.load(previous.keys == null ? null : previous.etag);
            next = loaded.keys == null
                    ? new Cached(previous.keys, previous.etag, time.plus(loaded.maxAge), time)
                    : new Cached(loaded.keys, loaded.etag, time.plus(loaded.maxAge), time);
        } catch (IOException | ParseException e) {
            lastError = e.getMessage();
            if (previous.keys != null) {
                System.err.println("jwks: refreshing " + where + " failed, keeping the cached keys: " + lastError);
            }
            next = new Cached(previous.keys, previous.etag, time.plus(cooldown), time);
        }
        cached = next;
        return next;
    }

    private static Loaded download(HttpClient http, URI uri, String etag) throws IOException, ParseException {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(TIMEOUT).header("Accept", "application/json");
        if (etag != null) {
            request.header("If-None-Match", etag);
        }
        HttpResponse<byte[]> response;
        CompletableFuture<HttpResponse<byte[]>> pending =
                http.sendAsync(request.build(), info -> new LimitedBody(MAX_BYTES));
        try {
            // The request timeout covers the headers only; this deadline covers a slowly dripping body too.
            response = pending.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            pending.cancel(true);
            throw new IOException("no answer within " + TIMEOUT.toSeconds() + " s");
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            throw new IOException(cause instanceof ConnectException ? "cannot connect"
                    : cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted");
        }
        Duration maxAge = maxAge(response.headers());
        if (response.statusCode() == 304 && etag != null) {
            return new Loaded(null, etag, maxAge);
        }
        if (response.statusCode() != 200) {
            throw new IOException("HTTP " + response.statusCode());
        }
        return new Loaded(parse(response.body()), response.headers().firstValue("ETag").orElse(null), maxAge);
    }

    /** Only public asymmetric keys are kept: private members and symmetric (oct) keys are dropped. */
    private static JWKSet parse(byte[] json) throws ParseException {
        return JWKSet.parse(new String(json, StandardCharsets.UTF_8)).toPublicJWKSet();
    }

    static Duration maxAge(HttpHeaders headers) {
        for (String value : headers.allValues("Cache-Control")) {
            Matcher m = MAX_AGE.matcher(value);
            if (m.find()) {
                Duration age = Duration.ofSeconds(Long.parseLong(m.group(1)));
                return age.compareTo(MAX_MAX_AGE) > 0 ? MAX_MAX_AGE : age;
            }
        }
        return DEFAULT_MAX_AGE;
    }

    /** Collects a body of at most {@code limit} bytes and fails as soon as it grows past that. */
    private static final class LimitedBody implements HttpResponse.BodySubscriber<byte[]> {
        private final int limit;
        private final CompletableFuture<byte[]> result = new CompletableFuture<>();
        private final ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        private Flow.Subscription subscription;

        LimitedBody(int limit) {
            this.limit = limit;
        }

        @Override
        public CompletionStage<byte[]> getBody() {
            return result;
        }

        @Override
        public void onSubscribe(Flow.Subscription s) {
            subscription = s;
            s.request(Long.MAX_VALUE);
        }

        @Override
        public void onNext(List<ByteBuffer> items) {
            for (ByteBuffer item : items) {
                if (result.isDone()) {
                    return;
                }
                if (buffer.size() + item.remaining() > limit) {
                    subscription.cancel();
                    result.completeExceptionally(new IOException("the JWKS is larger than " + limit + " bytes"));
                    return;
                }
                byte[] chunk = new byte[item.remaining()];
                item.get(chunk);
                buffer.write(chunk, 0, chunk.length);
            }
        }

        @Override
        public void onError(Throwable error) {
            result.completeExceptionally(error);
        }

        @Override
        public void onComplete() {
            result.complete(buffer.toByteArray());
        }
    }
}
