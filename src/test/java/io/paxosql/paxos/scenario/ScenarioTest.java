package io.paxosql.paxos.scenario;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * Walks src/test/resources/paxos/scenarios/*.txt. Lines starting with "> " are commands; the lines after
 * each are its golden output; '#' lines and blank lines are kept. Run with -Dpaxosql.rewrite=true to
 * regenerate the outputs after an intended change (then read the diff).
 */
class ScenarioTest {

    private static final Path DIR = Path.of("src/test/resources/paxos/scenarios");

    @TestFactory
    Stream<DynamicTest> scenarios() throws IOException {
        List<Path> files;
        try (Stream<Path> s = Files.list(DIR)) {
            files = s.filter(p -> p.toString().endsWith(".txt")).sorted().toList();
        }
        assertFalse(files.isEmpty(), "no scenarios under " + DIR.toAbsolutePath());
        return files.stream().map(f -> DynamicTest.dynamicTest(f.getFileName().toString(), () -> check(f)));
    }

    private static void check(Path file) throws IOException {
        String expected = Files.readString(file);
        String actual = replay(expected);
        if (Boolean.getBoolean("paxosql.rewrite")) {
            Files.writeString(file, actual);
            return;
        }
        assertEquals(expected, actual, "scenario " + file + " diverged from its golden output");
    }

    static String replay(String script) {
        ScenarioCluster c = new ScenarioCluster();
        StringBuilder out = new StringBuilder();
        for (String line : script.split("\n", -1)) {
            if (line.startsWith("> ")) {
                out.append(line).append('\n');
                out.append(c.run(line.substring(2)));
            } else if (line.startsWith("#") || line.isBlank()) {
                out.append(line).append('\n');
            }
        }
        // split keeps a trailing empty piece for the final newline; drop the extra one we appended
        return out.substring(0, out.length() - 1);
    }
}
