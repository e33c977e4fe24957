package io.paxosql;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaMethodCall;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.InstantSource;
import java.util.Timer;

import static com.tngtech.archunit.core.domain.JavaClass.Predicates.assignableTo;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.equivalentTo;
import static com.tngtech.archunit.core.domain.properties.HasName.Predicates.nameMatching;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAnyPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;

/**
 * The package rules of the house (ARCHITECTURE.md, "Packages"), checked on the compiled main classes.
 * Dependencies point inward: cli -> node -> {proxy, binlog, transport, log} -> paxos; proxy, binlog -> mysql;
 * config is read by cli and node only.
 */
class LayerRulesTest {

    /**
     * Referenced JDK and library types are imported as stubs (archunit.properties), so the rules name them by
     * type or by name rather than by their supertypes.
     */
    private static final JavaClasses MAIN = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.paxosql");

    /** The consensus core is a pure state machine: the JDK and itself. */
    static final ArchRule PAXOS_IS_JDK_ONLY = classes()
            .that().resideInAPackage("io.paxosql.paxos..")
            .should().onlyDependOnClassesThat().resideInAnyPackage("java..", "io.paxosql.paxos..")
            .because("the simulator replays the core from a seed; it must not reach anything outside the JDK");

    /** Time enters the core as tick(), never from a clock; work runs on the caller's thread, never its own. */
    static final ArchRule PAXOS_HAS_NO_THREADS_OR_CLOCKS = noClasses()
            .that().resideInAPackage("io.paxosql.paxos..")
            .should().dependOnClassesThat(assignableTo(Thread.class)
                    .or(nameMatching("java\\.util\\.concurrent\\..*Executor.*"))
                    .or(equivalentTo(Timer.class))
                    .or(assignableTo(InstantSource.class))
                    .or(equivalentTo(Clock.class)))
            .orShould().callMethodWhere(readsAClock())
            .because("a seeded run must replay exactly: time is a tick and the driver owns the threads");

    /** The protocol codec works on bytes: the JDK and Vert.x Buffer, no sockets and no event loop. */
    static final ArchRule MYSQL_IS_JDK_AND_BUFFER = classes()
            .that().resideInAPackage("io.paxosql.mysql..")
            .should().onlyDependOnClassesThat(resideInAnyPackage("java..", "io.paxosql.mysql..")
                    .or(equivalentTo(Buffer.class)))
            .because("proxy, capture and the binlog server share it as a pure codec");

    static final ArchRule LOG_DOES_NOT_USE_PAXOS = noClasses()
            .that().resideInAPackage("io.paxosql.log..")
            .should().dependOnClassesThat().resideInAPackage("io.paxosql.paxos..")
            .because("the log stores opaque records; node translates between the core's types and them");

    static final ArchRule ONLY_CLI_USES_NODE = noClasses()
            .that().resideOutsideOfPackages("io.paxosql.cli..", "io.paxosql.node..")
            .should().dependOnClassesThat().resideInAPackage("io.paxosql.node..")
            .because("node wires everything together; only the command line starts it");

    static final ArchRule NO_VERTX_INTERNALS = noClasses()
            .should().dependOnClassesThat().resideInAPackage("io.vertx.core.internal..")
            .because("Vert.x internals change without notice between releases");

    static final ArchRule LAYERS = layeredArchitecture().consideringOnlyDependenciesInLayers()
            .layer("cli").definedBy("io.paxosql.cli..")
            .layer("node").definedBy("io.paxosql.node..")
            .layer("config").definedBy("io.paxosql.config..")
            .layer("proxy").definedBy("io.paxosql.proxy..")
            .layer("binlog").definedBy("io.paxosql.binlog..")
            .layer("transport").definedBy("io.paxosql.transport..")
            .layer("log").definedBy("io.paxosql.log..")
            .layer("paxos").definedBy("io.paxosql.paxos..")
            .layer("mysql").definedBy("io.paxosql.mysql..")
            .layer("tls").definedBy("io.paxosql.tls..")
            .whereLayer("cli").mayNotBeAccessedByAnyLayer()
            .whereLayer("node").mayOnlyBeAccessedByLayers("cli")
            .whereLayer("config").mayOnlyBeAccessedByLayers("cli", "node")
            .whereLayer("proxy").mayOnlyBeAccessedByLayers("cli", "node")
            .whereLayer("binlog").mayOnlyBeAccessedByLayers("cli", "node")
            .whereLayer("transport").mayOnlyBeAccessedByLayers("cli", "node")
            .whereLayer("log").mayOnlyBeAccessedByLayers("cli", "node")
            .whereLayer("paxos").mayOnlyBeAccessedByLayers("cli", "node", "proxy", "binlog", "transport", "log")
            .whereLayer("mysql").mayOnlyBeAccessedByLayers("cli", "node", "proxy", "binlog")
            .whereLayer("tls").mayOnlyBeAccessedByLayers("cli", "node", "proxy", "transport")
            .ensureAllClassesAreContainedInArchitecture()
            .because("dependencies point inward, so each layer can be tested below the ones that use it");

    @Test
    void paxosIsJdkOnly() {
        PAXOS_IS_JDK_ONLY.check(MAIN);
    }

    @Test
    void paxosHasNoThreadsOrClocks() {
        PAXOS_HAS_NO_THREADS_OR_CLOCKS.check(MAIN);
    }

    @Test
    void mysqlIsJdkAndBuffer() {
        MYSQL_IS_JDK_AND_BUFFER.check(MAIN);
    }

    @Test
    void logDoesNotUsePaxos() {
        LOG_DOES_NOT_USE_PAXOS.check(MAIN);
    }

    @Test
    void onlyCliUsesNode() {
        ONLY_CLI_USES_NODE.check(MAIN);
    }

    @Test
    void noVertxInternals() {
        NO_VERTX_INTERNALS.check(MAIN);
    }

    @Test
    void dependenciesPointInward() {
        LAYERS.check(MAIN);
    }

    /** System.currentTimeMillis/nanoTime and every java.time now(...). */
    private static DescribedPredicate<JavaMethodCall> readsAClock() {
        return DescribedPredicate.describe("reads a clock (System.currentTimeMillis/nanoTime, java.time now())",
                call -> {
                    JavaClass owner = call.getTargetOwner();
                    String name = call.getName();
                    return (owner.isEquivalentTo(System.class)
                            && (name.equals("currentTimeMillis") || name.equals("nanoTime")))
                            || (owner.getPackageName().equals("java.time") && name.equals("now"));
                });
    }
}
