package io.github.webauthnkit.server.storage;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import redis.clients.jedis.JedisPooled;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.exceptions.JedisException;
import redis.clients.jedis.exceptions.JedisNoScriptException;

/**
 * A Lua script Redis runs by its digest: sent whole (EVAL, which also keeps it) the first time and when Redis has lost
 * it (a restart, {@code SCRIPT FLUSH}), else by digest alone, so a request sends its arguments and not the script.
 * Either way one round trip.
 */
public final class RedisScript {
    private final String source;
    /** The name Redis knows the script by: its SHA-1, in hex. */
    private final String sha;
    private volatile boolean loaded;

    public RedisScript(String source) {
        this.source = source;
        try {
            this.sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1")
                    .digest(source.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The script in a resource of the server's jar, such as {@code /webauthn-server/redis/ceremonies.lua}. */
    public static RedisScript resource(String path) {
        try (InputStream in = RedisScript.class.getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalStateException(path + " is missing from the jar");
            }
            return new RedisScript(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Runs it; a {@link StoreUnavailableException} when Redis does not answer. */
    public Object run(JedisPooled redis, List<String> keys, List<String> args) {
        try {
            if (loaded) {
                try {
                    return redis.evalsha(sha, keys, args);
                } catch (JedisNoScriptException e) {
                    // Redis restarted or its script cache was flushed: send it whole below.
                }
            }
            Object answer = redis.eval(source, keys, args);
            loaded = true;
            return answer;
        } catch (JedisDataException e) {
            // An error Redis answered with (out of memory, busy with a long script, a fault in the script).
            throw new StoreUnavailableException("Redis refused the request: " + e.getMessage(), e);
        } catch (JedisException e) {
            throw unavailable(e);
        }
    }

    public static StoreUnavailableException unavailable(JedisException e) {
        return new StoreUnavailableException("Redis did not answer: " + e.getMessage(), e);
    }
}
