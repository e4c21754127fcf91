package io.github.webauthnkit.keys.core;

import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.util.JSONObjectUtils;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.ParseException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * A JWKS published by a running server (or saved to a file), for projects that verify its tokens. Everything in it
 * is checked before anything is written: a consumer must never pin a private key, an HMAC key or a weak key.
 */
public final class RemoteJwks {
    /** A JWKS is a few kilobytes; anything far larger is not one. */
    static final int MAX_BYTES = 1024 * 1024;

    private RemoteJwks() {
    }

    /**
     * Fetches and validates a JWKS over HTTP(S).
     *
     * @param allowHttp whether plain http is accepted for a host other than the loopback interface
     */
    public static List<JWK> fetch(String url, Duration timeout, boolean allowHttp) throws KeyRingException {
        URI uri;
        try {
            uri = URI.create(url.trim());
        } catch (IllegalArgumentException e) {
            throw problem(url, "it is not a valid URL (" + e.getMessage() + ")");
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("https") && !scheme.equals("http") || uri.getHost() == null) {
            throw problem(url, "only absolute http:// and https:// URLs are supported");
        }
        if (scheme.equals("http") && !isLoopback(uri.getHost()) && !allowHttp) {
            throw problem(url, "plain http to a host other than localhost lets anyone on the path swap the keys;"
                    + " use https, or pass -Dwebauthn.keys.allowHttp=true for a trusted internal network");
        }
        HttpClient client = HttpClient.newBuilder()
                .connectTimeout(timeout)
                .followRedirects(HttpClient.Redirect.NORMAL)
                .build();
        HttpRequest request = HttpRequest.newBuilder(uri).timeout(timeout)
                .header("Accept", "application/jwk-set+json, application/json").GET().build();
        String body;
        try {
            HttpResponse<InputStream> response = client.send(request, HttpResponse.BodyHandlers.ofInputStream());
            try (InputStream in = response.body()) {
                if (response.statusCode() != 200) {
                    throw problem(url, "the server answered HTTP " + response.statusCode() + " instead of 200");
                }
                byte[] bytes = in.readNBytes(MAX_BYTES + 1);
                if (bytes.length > MAX_BYTES) {
                    throw problem(url, "the response is larger than " + MAX_BYTES + " bytes; a JWKS is far smaller");
                }
                body = new String(bytes, StandardCharsets.UTF_8);
            }
        } catch (HttpConnectTimeoutException e) {
            throw problem(url, "no connection within " + timeout.toSeconds() + " s (is the server running?)");
        } catch (HttpTimeoutException e) {
            throw problem(url, "no answer within " + timeout.toSeconds() + " s");
        } catch (ConnectException e) {
            throw problem(url, "the server is unreachable (connection refused; is it running?)");
        } catch (IOException e) {
            throw problem(url, "the request failed: " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw problem(url, "interrupted");
        }
        return validate(body, url);
    }

    /** Reads and validates a JWKS saved to a file. */
    public static List<JWK> read(Path file) throws KeyRingException {
        String source = file.toString();
        try {
            if (Files.size(file) > MAX_BYTES) {
                throw problem(source, "the file is larger than " + MAX_BYTES + " bytes; a JWKS is far smaller");
            }
            return validate(Files.readString(file, StandardCharsets.UTF_8), source);
        } catch (IOException e) {
            throw problem(source, "it cannot be read (" + e + ")");
        }
    }

    /** Checks that a text is a public JWKS a verifier can trust: JSON, keys, unique kids, allowed algorithms, no secrets. */
    public static List<JWK> validate(String body, String source) throws KeyRingException {
        Map<String, Object> root;
        try {
            root = JSONObjectUtils.parse(body);
        } catch (ParseException e) {
            throw problem(source, "the response is not JSON (" + e.getMessage() + ")");
        }
        if (!(root.get("keys") instanceof List<?> members)) {
            throw problem(source, "it has no \"keys\" array, so it is not a JSON Web Key Set");
        }
        if (members.isEmpty()) {
            throw problem(source, "the key set is empty");
        }
        List<JWK> keys = new ArrayList<>();
        Set<String> kids = new HashSet<>();
        for (Object member : members) {
            if (!(member instanceof Map<?, ?> map)) {
                throw problem(source, "a member of \"keys\" is not a JSON object");
            }
            Set<String> secret = new HashSet<>(KeyRing.PRIVATE_MEMBERS);
            secret.retainAll(map.keySet());
            String kid = String.valueOf(map.get("kid"));
            if (!secret.isEmpty()) {
                throw problem(source, "key " + kid + " carries private key material (" + String.join(", ",
                        secret.stream().sorted().toList()) + "); a published JWKS must hold public keys only, and"
                        + " whoever serves this must treat that key as compromised");
            }
            JWK key;
            try {
                @SuppressWarnings("unchecked")
                Map<String, Object> json = (Map<String, Object>) map;
                key = JWK.parse(json);
            } catch (ParseException e) {
                throw problem(source, "key " + kid + " is not a valid JWK (" + e.getMessage() + ")");
            }
            if (key.getKeyID() == null || key.getKeyID().isBlank()) {
                throw problem(source, "a key has no 'kid'; verifiers select keys by kid");
            }
            if (!kids.add(key.getKeyID())) {
                throw problem(source, "kid '" + key.getKeyID() + "' appears more than once");
            }
            List<String> weaknesses = KeyAlgorithm.weaknesses(key);
            if (!weaknesses.isEmpty()) {
                throw problem(source, String.join("; ", weaknesses));
            }
            keys.add(key);
        }
        return List.copyOf(keys);
    }

    /**
     * The key a consumer that pins one PEM should use: the one that signs now (greatest {@code nbf} that has
     * started, not expired); for a JWKS without time members, its first key.
     */
    public static JWK consumerKey(List<JWK> keys, Instant now) {
        return keys.stream()
                .filter(k -> k.getNotBeforeTime() != null && !k.getNotBeforeTime().toInstant().isAfter(now))
                .filter(k -> !KeyRing.isExpired(k, now))
                .max(Comparator.comparing(JWK::getNotBeforeTime))
                .orElse(keys.get(0));
    }

    private static boolean isLoopback(String host) {
        String h = host.toLowerCase(Locale.ROOT);
        return h.equals("localhost") || h.startsWith("127.") || h.equals("[::1]") || h.equals("::1");
    }

    private static KeyRingException problem(String source, String what) {
        return new KeyRingException("Cannot use the JWKS at " + source + ": " + what + ".");
    }
}
