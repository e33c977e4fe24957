package io.paxosql.paxos;

import org.junit.jupiter.api.Test;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The core must stay pure: every class its compiled code names (in the constant pool, which covers
 * imports, fully qualified names, field and method types) is in java.* or the package itself.
 */
class PaxosImportsTest {

    private static final Path CLASSES = Path.of("target/classes/io/paxosql/paxos");

    @Test
    void compiledCoreReferencesOnlyTheJdkAndItself() throws IOException {
        List<Path> files;
        try (Stream<Path> s = Files.list(CLASSES)) {
            files = s.filter(p -> p.toString().endsWith(".class")).toList();
        }
        assertTrue(files.size() > 10, "expected the compiled core under " + CLASSES.toAbsolutePath());
        TreeSet<String> foreign = new TreeSet<>();
        for (Path f : files) {
            try (InputStream in = Files.newInputStream(f)) {
                for (String name : referencedNames(new DataInputStream(in))) {
                    if (!allowed(name)) {
                        foreign.add(f.getFileName() + " -> " + name);
                    }
                }
            }
        }
        assertEquals(new TreeSet<>(), foreign, "io.paxosql.paxos may use only java.*; found");
    }

    @Test
    void scannerSeesAForeignReference() throws IOException {
        Path self = Path.of("target/test-classes/io/paxosql/paxos/PaxosImportsTest.class");
        try (InputStream in = Files.newInputStream(self)) {
            assertTrue(referencedNames(new DataInputStream(in)).stream().anyMatch(n -> n.contains("org/junit")),
                    "the scan must find JUnit in this test class, else it proves nothing");
        }
    }

    private static boolean allowed(String name) {
        return name.startsWith("java/") || name.startsWith("io/paxosql/paxos/");
    }

    /** Class names and descriptors from a class file's constant pool (JVMS 4.4). */
    static List<String> referencedNames(DataInputStream in) throws IOException {
        if (in.readInt() != 0xCAFEBABE) {
            throw new IOException("not a class file");
        }
        in.readUnsignedShort();
        in.readUnsignedShort();
        int count = in.readUnsignedShort();
        String[] utf8 = new String[count];
        List<Integer> classIdx = new ArrayList<>();
        List<Integer> descIdx = new ArrayList<>();
        for (int i = 1; i < count; i++) {
            int tag = in.readUnsignedByte();
            switch (tag) {
                case 1 -> utf8[i] = in.readUTF();
                case 7 -> classIdx.add(in.readUnsignedShort());
                case 8, 16, 19, 20 -> in.readUnsignedShort();
                case 3, 4 -> in.readInt();
                case 5, 6 -> {
                    in.readLong();
                    i++;
                }
                case 9, 10, 11, 18, 17 -> in.skipBytes(4);
                case 12 -> {
                    in.readUnsignedShort();
                    descIdx.add(in.readUnsignedShort());
                }
                case 15 -> in.skipBytes(3);
                default -> throw new IOException("unknown constant pool tag " + tag);
            }
        }
        List<String> out = new ArrayList<>();
        for (int i : classIdx) {
            if (!utf8[i].startsWith("[")) {
                out.add(utf8[i]);
            } else {
                descIdx.add(i); // array class: its element type, if not primitive, is an L...; descriptor
            }
        }
        for (int i : descIdx) {
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("L([^;]+);").matcher(utf8[i]);
            while (m.find()) {
                out.add(m.group(1));
            }
        }
        return out;
    }
}
