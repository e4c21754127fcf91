package io.github.webauthnkit.it.stack;

import io.github.webauthnkit.it.support.Command;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The stand-ins for the official base images (see {@code src/test/docker/stand-ins/README.md}), built once per engine
 * from a Debian root file system. The root file system is made with {@code debootstrap} from Debian's mirror and kept
 * in {@code ~/.cache/webauthn-kit/}, so later runs on the same machine only import it.
 */
public final class StandInImages {
    static final String BASE = "webauthn-kit-standin/debian:trixie";
    private static final Path CACHE = Path.of(System.getProperty("user.home"), ".cache", "webauthn-kit",
            "debian-trixie-minbase.tar");
    private static final String MIRROR = "http://deb.debian.org/debian";
    private static final Duration BUILD_LIMIT = Duration.ofMinutes(15);
    private static boolean built;

    private StandInImages() {
    }

    /**
     * The variables that point the generated Dockerfile and Compose file at the stand-ins, building them first if
     * this engine has none.
     */
    public static synchronized Map<String, String> environment(DockerEngine engine) {
        if (!built) {
            build(engine);
            built = true;
        }
        Map<String, String> env = new LinkedHashMap<>();
        env.put("JRE_IMAGE", image("jre"));
        env.put("POSTGRES_IMAGE", image("postgres"));
        env.put("REDIS_IMAGE", image("redis"));
        env.put("NGINX_IMAGE", image("nginx"));
        env.put("PYTHON_IMAGE", image("python"));
        return env;
    }

    static String image(String name) {
        return "webauthn-kit-standin/" + name + ":trixie";
    }

    private static void build(DockerEngine engine) {
        long started = System.nanoTime();
        if (engine.docker("image", "inspect", BASE).exitCode() != 0) {
            engine.docker(BUILD_LIMIT, "import", rootFileSystem().toString(), BASE).assertSuccess("docker import");
        }
        Path sources = Path.of(System.getProperty("kit.sourceDir", "..")).toAbsolutePath().normalize()
                .resolve("integration-tests/src/test/docker/stand-ins");
        for (String name : List.of("jre", "postgres", "redis", "nginx", "python")) {
            System.out.println("Stand-in image " + image(name) + " from " + sources.resolve(name));
            engine.docker(BUILD_LIMIT, "build", "-q", "--build-arg", "BASE_IMAGE=" + BASE, "-t", image(name),
                    sources.resolve(name).toString()).assertSuccess("docker build of the " + name + " stand-in");
        }
        System.out.printf("Stand-in images ready in %.1f s%n", (System.nanoTime() - started) / 1e9);
    }

    /** Debian trixie's minimal root file system with this machine's CA bundle, as a tar; cached between runs. */
    private static Path rootFileSystem() {
        if (Files.isRegularFile(CACHE)) {
            return CACHE;
        }
        try {
            Files.createDirectories(CACHE.getParent());
            Path work = Files.createTempDirectory(CACHE.getParent(), "rootfs-");
            Path root = work.resolve("trixie");
            System.out.println("debootstrap of Debian trixie (minbase) into " + root + " (cached in " + CACHE + ")");
            Command.run(work, BUILD_LIMIT, Map.of(), List.of("debootstrap", "--variant=minbase",
                    "--include=ca-certificates", "trixie", root.toString(), MIRROR)).assertSuccess("debootstrap");
            // Containers reach the package registries over HTTPS with the same trust as this machine.
            Files.copy(Path.of("/etc/ssl/certs/ca-certificates.crt"), root.resolve("etc/ssl/certs/ca-certificates.crt"),
                    StandardCopyOption.REPLACE_EXISTING);
            Path tar = work.resolve("rootfs.tar");
            Command.run(work, BUILD_LIMIT, Map.of(), List.of("tar", "-C", root.toString(), "-cf", tar.toString(), "."))
                    .assertSuccess("tar of the root file system");
            Files.move(tar, CACHE, StandardCopyOption.ATOMIC_MOVE);
            Command.run(CACHE.getParent(), BUILD_LIMIT, Map.of(), List.of("rm", "-rf", work.toString()));
            return CACHE;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
