package io.github.webauthnkit.keys.secrets;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Whether secret files are kept out of git. Inside a work tree git itself answers (tracked files, every ignore
 * source); outside one (a project not yet under version control) the {@code .gitignore} files between the file
 * and the project directory are read with their common rules: globs, {@code !} negation, last match wins.
 */
final class GitIgnores {
    private final Path projectDir;
    private final boolean workTree;

    GitIgnores(Path projectDir) {
        this.projectDir = projectDir.toAbsolutePath().normalize();
        this.workTree = git(this.projectDir, "rev-parse", "--is-inside-work-tree") == 0;
    }

    boolean isTracked(Path file) {
        return workTree && git(projectDir, "ls-files", "--error-unmatch", "--", file.toAbsolutePath().toString()) == 0;
    }

    boolean isIgnored(Path file) {
        if (workTree) {
            return git(projectDir, "check-ignore", "-q", "--no-index", "--", file.toAbsolutePath().toString()) == 0;
        }
        return ignoredByFiles(file.toAbsolutePath().normalize());
    }

    private boolean ignoredByFiles(Path file) {
        List<Path> dirs = new ArrayList<>();
        for (Path dir = file.getParent(); dir != null && dir.startsWith(projectDir); dir = dir.getParent()) {
            dirs.add(0, dir);
        }
        Boolean ignored = null;
        for (Path dir : dirs) {
            Path gitignore = dir.resolve(".gitignore");
            if (!Files.isRegularFile(gitignore)) {
                continue;
            }
            List<String> lines;
            try {
                lines = Files.readAllLines(gitignore, StandardCharsets.UTF_8);
            } catch (IOException e) {
                continue;
            }
            String relative = dir.relativize(file).toString().replace('\\', '/');
            for (String raw : lines) {
                String line = raw.strip();
                if (line.isEmpty() || line.startsWith("#")) {
                    continue;
                }
                boolean negate = line.startsWith("!");
                String pattern = negate ? line.substring(1) : line;
                if (pattern.endsWith("/")) {
                    continue;
                }
                boolean anchored = pattern.contains("/");
                String glob = pattern.startsWith("/") ? pattern.substring(1) : pattern;
                String subject = anchored ? relative : file.getFileName().toString();
                PathMatcher matcher = FileSystems.getDefault().getPathMatcher("glob:" + glob);
                if (matcher.matches(Path.of(subject))) {
                    ignored = !negate;
                }
            }
        }
        return Boolean.TRUE.equals(ignored);
    }

    /** Runs git and returns its exit code, or -1 when git is not installed or does not answer. */
    private static int git(Path dir, String... args) {
        List<String> command = new ArrayList<>(List.of("git", "-C", dir.toString()));
        command.addAll(List.of(args));
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                return -1;
            }
            return process.exitValue();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }
}
