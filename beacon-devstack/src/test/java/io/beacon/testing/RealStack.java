package io.beacon.testing;

import io.beacon.devstack.LocalStack;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * JUnit 5 extension giving tests the real Kafka, Cassandra and QuestDB: ONE {@link LocalStack} per test run
 * (JVM), started on free loopback ports with a throw-away data dir ({@code <beacon.home>/target/test-stack},
 * wiped first), shared by every test class that uses the extension and closed when the run ends.
 *
 * <pre>{@code
 * @ExtendWith(RealStack.class)
 * class MyTest {
 *   MyTest(LocalStack stack) { ... }            // constructor or method parameter
 *   @Test void t(ExtensionContext ctx) { RealStack.get(ctx) ... }
 * }
 * }</pre>
 *
 * <p>The stack is started in {@code beforeAll}, so its start time never counts against a test's timeout.
 * If it fails to start, the failure is kept and every later test fails at once with it (rather than
 * retrying a three-minute start per class). Server logs: {@code target/test-stack/logs/<name>.log}.
 */
public final class RealStack implements BeforeAllCallback, ParameterResolver {

  private static final String KEY = RealStack.class.getName();

  /** The run's stack, starting it on first use. */
  public static LocalStack get(ExtensionContext context) {
    return context.getRoot().getStore(ExtensionContext.Namespace.GLOBAL)
        .getOrComputeIfAbsent(KEY, key -> Holder.start(), Holder.class)
        .stack();
  }

  @Override
  public void beforeAll(ExtensionContext context) {
    get(context);
  }

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    return parameter.getParameter().getType() == LocalStack.class;
  }

  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
    return get(context);
  }

  /**
   * What the root store keeps: the stack, or why it could not start. JUnit (5.13+) closes AutoCloseable
   * store values when the root context closes, i.e. at the end of the run.
   */
  private record Holder(LocalStack running, RuntimeException failure) implements AutoCloseable {

    static Holder start() {
      Path home = Path.of(System.getProperty("beacon.home", "")).toAbsolutePath();
      Path dataDir = home.resolve("target").resolve("test-stack");
      try {
        deleteRecursively(dataDir);
        return new Holder(LocalStack.start(home, dataDir, LocalStack.Ports.free(), false), null);
      } catch (RuntimeException e) {
        return new Holder(null, e);
      }
    }

    LocalStack stack() {
      if (failure != null) {
        throw new IllegalStateException("the real stack could not be started for this test run", failure);
      }
      return running;
    }

    @Override
    public void close() {
      if (running != null) {
        running.close();
      }
    }
  }

  private static void deleteRecursively(Path root) {
    if (!Files.exists(root)) {
      return;
    }
    try {
      Files.walkFileTree(root, new SimpleFileVisitor<>() {
        @Override
        public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
          Files.delete(file);
          return FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult postVisitDirectory(Path dir, IOException exc) throws IOException {
          if (exc != null) {
            throw exc;
          }
          Files.delete(dir);
          return FileVisitResult.CONTINUE;
        }
      });
    } catch (IOException e) {
      throw new UncheckedIOException("could not wipe " + root, e);
    }
  }
}
