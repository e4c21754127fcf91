package io.github.webauthnkit.it.bench;

import java.lang.reflect.Method;
import java.net.URLClassLoader;
import java.util.Map;

/**
 * A real PostgreSQL and a real Redis on free loopback ports, started by the generated project's own test support
 * ({@code support.PostgresServer} and {@code support.RedisServer}, loaded from its test class path), and the server
 * environment that points at them.
 */
final class ProductionBackends implements AutoCloseable {
    private final AutoCloseable postgres;
    private final AutoCloseable redis;
    private final Map<String, String> environment;

    ProductionBackends(GeneratedTestClasspath classpath) throws Exception {
        URLClassLoader loader = classpath.classLoader();
        postgres = start(loader, "io.github.webauthnkit.server.testing.PostgresServer");
        try {
            redis = start(loader, "io.github.webauthnkit.server.testing.RedisServer");
        } catch (Exception e) {
            postgres.close();
            throw e;
        }
        environment = Map.of(
                "WEBAUTHN_DB_URL", (String) call(postgres, "jdbcUrl"),
                "WEBAUTHN_DB_USER", (String) call(postgres, "user"),
                "WEBAUTHN_DB_PASSWORD_FILE", call(postgres, "passwordFile").toString(),
                "WEBAUTHN_REDIS_URL", (String) call(redis, "url"),
                "WEBAUTHN_REDIS_PASSWORD_FILE", call(redis, "passwordFile").toString());
    }

    Map<String, String> environment() {
        return environment;
    }

    private static AutoCloseable start(ClassLoader loader, String className) throws Exception {
        Method start = Class.forName(className, true, loader).getMethod("start");
        return (AutoCloseable) start.invoke(null);
    }

    private static Object call(Object target, String method) throws Exception {
        return target.getClass().getMethod(method).invoke(target);
    }

    @Override
    public void close() throws Exception {
        try {
            redis.close();
        } finally {
            postgres.close();
        }
    }
}
