package io.github.wspool.examples;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Every block of {@link ReadmeExamples} between {@code // --- README: <name> ---} and {@code // --- end ---} appears
 * in README.md verbatim (indentation aside), so that what the README shows is what the build compiles.
 */
class ReadmeSnippetsTest {

    private static final Pattern BLOCK = Pattern.compile("// --- README: ([^-]+?) ---\\R(.*?)\\R\\s*// --- end ---",
            Pattern.DOTALL);

    @Test
    void everyExampleBlockIsInTheReadme() throws IOException {
        String source = Files.readString(Path.of("src/main/java/io/github/wspool/examples/ReadmeExamples.java"),
                StandardCharsets.UTF_8);
        String readme = normalize(Files.readString(Path.of("../README.md"), StandardCharsets.UTF_8));
        Matcher m = BLOCK.matcher(source);
        List<String> missing = new ArrayList<>();
        int blocks = 0;
        while (m.find()) {
            blocks++;
            if (!readme.contains(normalize(m.group(2)))) {
                missing.add(m.group(1));
            }
        }
        assertTrue(blocks >= 5, "found the example blocks: " + blocks);
        assertTrue(missing.isEmpty(), "README.md lacks (or has a different version of) these examples: " + missing);
    }

    /** Each line stripped of leading and trailing blanks; blank lines dropped. */
    private static String normalize(String text) {
        StringBuilder b = new StringBuilder();
        for (String line : text.split("\\R")) {
            String t = line.strip();
            if (!t.isEmpty()) {
                b.append(t).append('\n');
            }
        }
        return b.toString();
    }
}
