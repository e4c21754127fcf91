package io.github.webauthnkit.server.http;

import io.javalin.config.JettyConfig;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.component.LifeCycle;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * Jetty set up for a thousand keep-alive clients: {@link HttpApi#HTTP_THREADS} request threads, no header cache per
 * connection, and a listen backlog of {@link HttpApi#ACCEPT_QUEUE}.
 */
final class JettyTuning {
    /** Javalin adds its connector after modifyServer; the backlog must be set before the connector opens. */
    private static final LifeCycle.Listener BACKLOG = new LifeCycle.Listener() {
        @Override
        public void lifeCycleStarting(LifeCycle server) {
            for (Connector connector : ((Server) server).getConnectors()) {
                if (connector instanceof ServerConnector network) {
                    network.setAcceptQueueSize(HttpApi.ACCEPT_QUEUE);
                }
            }
        }
    };

    private JettyTuning() {
    }

    /**
     * Jetty pads its queues by this many references per cache line. Unset, Jetty's first queue asks the JVM through
     * the platform MBean server whether references are compressed, and building that server took about 85 ms of a
     * 950 ms start on 2 cores. 16 is Jetty's own answer with compressed references (the JVM's default under 32 GiB of
     * heap, and the image's); without them it pads two cache lines instead of one. An operator's value stays.
     */
    private static final String REFERENCES_PER_CACHE_LINE = "org.eclipse.jetty.util.referencesPerCacheLine";

    static void apply(JettyConfig jetty) {
        if (System.getProperty(REFERENCES_PER_CACHE_LINE) == null) {
            System.setProperty(REFERENCES_PER_CACHE_LINE, "16");
        }
        // A ceremony is CPU work (a signature check and a token signature) with short database calls, so a few
        // threads per core serve it as fast as 250 would, without their memory. Connections beyond them wait.
        QueuedThreadPool threads = new QueuedThreadPool(HttpApi.HTTP_THREADS, Math.min(8, HttpApi.HTTP_THREADS),
                60_000);
        threads.setName("webauthn-http");
        jetty.threadPool = threads;
        // Jetty keeps a cache of header fields per connection (about 100 KiB once used): 100 MiB of heap with
        // 1000 keep-alive clients. Its shared cache of the common headers stays.
        jetty.modifyHttpConfiguration(http -> http.setHeaderCacheSize(0));
        jetty.modifyServer(server -> server.addEventListener(BACKLOG));
    }
}
