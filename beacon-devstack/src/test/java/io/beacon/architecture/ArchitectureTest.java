package io.beacon.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import io.beacon.model.fixture.ImpureModel;
import io.beacon.query.fixture.QueryCallsCollector;
import io.beacon.query.fixture.QueryExits;
import io.beacon.query.fixture.QueryRowCodec;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What the compiler cannot hold (docs/architecture.md): the model imports no infrastructure, the roles never
 * import each other, only beacon-store owns table and topic codecs, the tools know the node only by its HTTP API,
 * and only entry points exit the JVM. Each rule is also shown failing on a fixture that breaks it, so a rule that
 * silently matches nothing cannot pass.
 */
class ArchitectureTest {
  private static final String[] INFRASTRUCTURE = {"io.vertx..", "org.apache.kafka..", "com.datastax..",
      "org.apache.ignite..", "io.netty..", "io.micrometer.."};
  private static final String[] NODE = {"io.beacon.collector..", "io.beacon.bridge..", "io.beacon.query..",
      "io.beacon.recompute..", "io.beacon.infra..", "io.beacon.api..", "io.beacon.contract.."};

  static final ArchRule MODEL_IS_PURE = noClasses().that().resideInAPackage("io.beacon.model..")
      .should().dependOnClassesThat().resideInAnyPackage(INFRASTRUCTURE)
      .orShould().dependOnClassesThat().resideInAnyPackage(NODE)
      .orShould().dependOnClassesThat().resideInAnyPackage("io.beacon.store..")
      .because("beacon-model is shared by the node and the Spark job; its pom has no such dependency");

  static final ArchRule STORE_HAS_NO_NODE = noClasses().that().resideInAPackage("io.beacon.store..")
      .should().dependOnClassesThat().resideInAnyPackage("io.vertx..", "org.apache.ignite..")
      .orShould().dependOnClassesThat().resideInAnyPackage(NODE)
      .because("beacon-store's codecs run in the Spark job too, which cannot load Vert.x");

  static final ArchRule ROLES_ARE_INDEPENDENT = slices().matching("io.beacon.(collector|bridge|query|recompute)..")
      .should().notDependOnEachOther()
      .because("roles talk only through Kafka topics and the typed event-bus contracts");

  static final ArchRule CODECS_LIVE_IN_STORE = classes().that().haveSimpleNameEndingWith("Codec")
      .and().resideInAPackage("io.beacon..")
      .and().areNotNestedClasses()
      .should().resideInAPackage("io.beacon.store..")
      .orShould().resideInAPackage("io.beacon.contract..")
      .because("each table and topic has one codec, owned by beacon-store (event-bus message codecs by the contracts)");

  static final ArchRule LINE_PROTOCOL_ONLY_IN_STORE = noClasses().that().resideOutsideOfPackage("io.beacon.store..")
      .should().dependOnClassesThat().haveNameMatching("com\\.influxdb\\.client\\.write\\.Point.*")
      .because("the QuestDB raw row is written by beacon-store's LineProtocol/LineEncoder only");

  static final ArchRule TOOLS_USE_THE_HTTP_API = noClasses().that()
      .resideInAnyPackage("io.beacon.cli..", "io.beacon.loadgen..", "io.beacon.tools..")
      .should().dependOnClassesThat().resideInAnyPackage(NODE)
      .orShould().dependOnClassesThat().resideInAnyPackage("io.beacon.model..", "io.beacon.store..",
          "io.beacon.devstack..")
      .because("beacon-tools talk to a node only through its public HTTP API");

  static final ArchRule ONLY_ENTRY_POINTS_EXIT = noClasses().that()
      .doNotHaveFullyQualifiedName("io.beacon.Main")
      .and().doNotHaveFullyQualifiedName("io.beacon.NodeRunner")
      .and().doNotHaveFullyQualifiedName("io.beacon.devstack.Up")
      .and().doNotHaveFullyQualifiedName("io.beacon.devstack.Rehearsal")
      .and().doNotHaveFullyQualifiedName("io.beacon.tools.Tools")
      .and().doNotHaveFullyQualifiedName("io.beacon.spark.AggregationJob")
      .should().callMethod(System.class, "exit", int.class)
      .because("lifecycles belong to the node context; only an entry point decides the JVM's exit code");

  private static JavaClasses main;

  @BeforeAll
  static void importMainClasses() {
    main = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
        .importPackages("io.beacon");
    // The node, the model, the store, the tools and the dev stack are all on this module's classpath.
    for (String pkg : new String[] {"io.beacon.model", "io.beacon.store", "io.beacon.collector", "io.beacon.query",
        "io.beacon.cli", "io.beacon.loadgen", "io.beacon.devstack"}) {
      assertThat(main.containPackage(pkg)).as("imported %s", pkg).isTrue();
    }
  }

  @Test
  void theModelImportsNoInfrastructure() {
    MODEL_IS_PURE.check(main);
    assertThatThrownBy(() -> MODEL_IS_PURE.check(fixture(ImpureModel.class)))
        .isInstanceOf(AssertionError.class).hasMessageContaining("io.vertx.core.json.JsonObject");
  }

  @Test
  void theStoreImportsNoNode() {
    STORE_HAS_NO_NODE.check(main);
  }

  @Test
  void rolesNeverImportEachOther() {
    ROLES_ARE_INDEPENDENT.check(main);
    assertThatThrownBy(() -> ROLES_ARE_INDEPENDENT.check(
        new ClassFileImporter().importPackages("io.beacon.query.fixture", "io.beacon.collector")))
        .isInstanceOf(AssertionError.class).hasMessageContaining("QueryCallsCollector");
  }

  @Test
  void onlyTheStoreOwnsTableAndTopicCodecs() {
    CODECS_LIVE_IN_STORE.check(main);
    LINE_PROTOCOL_ONLY_IN_STORE.check(main);
    assertThatThrownBy(() -> CODECS_LIVE_IN_STORE.check(fixture(QueryRowCodec.class)))
        .isInstanceOf(AssertionError.class).hasMessageContaining("QueryRowCodec");
  }

  @Test
  void toolsKnowTheNodeOnlyByItsApi() {
    TOOLS_USE_THE_HTTP_API.check(main);
  }

  @Test
  void onlyEntryPointsExitTheJvm() {
    ONLY_ENTRY_POINTS_EXIT.check(main);
    assertThatThrownBy(() -> ONLY_ENTRY_POINTS_EXIT.check(fixture(QueryExits.class)))
        .isInstanceOf(AssertionError.class).hasMessageContaining("System.exit");
  }

  private static JavaClasses fixture(Class<?> type) {
    return new ClassFileImporter().importClasses(type);
  }
}
