package io.github.webauthnkit.keys.mojo;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The kit README's "Use the plugin in an existing build" shows the poms of the invoker test parent-plugin-management,
 * which runs them against a server: the parent's properties and pluginManagement, then a module's build.
 */
class ReadmeSnippetTest {
    private static final Path MODULE = Path.of("").toAbsolutePath();
    private static final Path CASE = MODULE.resolve("src/it/parent-plugin-management");

    @Test
    void theReadmeBlocksAreTheInvokerTestsPoms() throws IOException {
        List<String> blocks = xmlBlocks(section());
        assertThat(blocks).as("the section's xml blocks").hasSize(2);

        assertThat(blocks.get(0)).isEqualTo(pomPart(CASE.resolve("pom.xml"), "<properties>", "</build>"));
        assertThat(blocks.get(1)).isEqualTo(pomPart(CASE.resolve("service/pom.xml"), "<build>", "</build>"));
    }

    /** The lines of a pom from the one holding {@code first} to the one holding {@code last}, without indentation. */
    private static String pomPart(Path pom, String first, String last) throws IOException {
        List<String> lines = Files.readAllLines(pom);
        int start = indexOf(lines, first, 0);
        int end = indexOf(lines, last, start);
        int indent = lines.get(start).indexOf('<');
        return lines.subList(start, end + 1).stream().map(line -> line.substring(Math.min(indent, line.length())))
                .collect(Collectors.joining("\n", "", "\n"))
                .replace("@project.version@", System.getProperty("kit.version"));
    }

    private static int indexOf(List<String> lines, String text, int from) {
        for (int i = from; i < lines.size(); i++) {
            if (lines.get(i).contains(text)) {
                return i;
            }
        }
        throw new AssertionError("no line with " + text);
    }

    private static List<String> xmlBlocks(String markdown) {
        List<String> blocks = new ArrayList<>();
        Matcher block = Pattern.compile("```xml\\n(.*?)```", Pattern.DOTALL).matcher(markdown);
        while (block.find()) {
            blocks.add(block.group(1));
        }
        return blocks;
    }

    private static String section() throws IOException {
        String readme = Files.readString(MODULE.resolve("../README.md"));
        int start = readme.indexOf("\n## Use the plugin in an existing build\n");
        assertThat(start).as("the README's 'Use the plugin in an existing build' section").isPositive();
        int end = readme.indexOf("\n## ", start + 1);
        return readme.substring(start, end);
    }
}
