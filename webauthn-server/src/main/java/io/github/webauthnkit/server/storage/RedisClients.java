package io.github.webauthnkit.server.storage;

import io.github.webauthnkit.server.config.ServerConfig;
import java.net.URI;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.JedisPooled;

/** The Redis connection pool shared by the ceremony store and the rate limiter, with bounded timeouts. */
public final class RedisClients {
    private RedisClients() {
    }

    public static JedisPooled open(ServerConfig config) {
        URI uri = URI.create(config.redisUrl());
        int database = uri.getPath() == null || uri.getPath().length() <= 1 ? 0 : Integer.parseInt(uri.getPath().substring(1));
        DefaultJedisClientConfig client = DefaultJedisClientConfig.builder()
                .password(ServerConfig.readSecret("WEBAUTHN_REDIS_PASSWORD_FILE", config.redisPasswordFile()))
                .ssl("rediss".equals(uri.getScheme()))
                .database(database)
                .clientName("webauthn-server")
                .connectionTimeoutMillis(2_000)
                .socketTimeoutMillis(2_000)
                .build();
        return new JedisPooled(new HostAndPort(uri.getHost(), uri.getPort() == -1 ? 6379 : uri.getPort()), client);
    }
}
