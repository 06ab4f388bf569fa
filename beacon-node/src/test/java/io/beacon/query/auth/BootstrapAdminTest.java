package io.beacon.query.auth;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * Finding "The bootstrap admin password is logged at WARN and never has to be changed" (Hardening, Accounts): a
 * generated password goes to an owner-only file, never to the log, and the first login must change it.
 */
class BootstrapAdminTest {
  private static final String EMAIL = "admin@localhost";
  private final Vertx vertx = Vertx.vertx();
  private final MemoryAccountStore store = new MemoryAccountStore();
  private final Accounts accounts = new Accounts(store);
  private final ListAppender<ILoggingEvent> logged = new ListAppender<>();
  private final ByteArrayOutputStream stdout = new ByteArrayOutputStream();
  private Logger logger;

  @BeforeEach
  void capture() {
    logger = (Logger) LoggerFactory.getLogger(BootstrapAdmin.class);
    logged.start();
    logger.addAppender(logged);
  }

  @AfterEach
  void close() throws Exception {
    logger.detachAppender(logged);
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  private static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  private Future<Void> ensure(String configured, Path file) {
    return BootstrapAdmin.ensure(vertx, accounts, EMAIL, configured, file,
        new PrintStream(stdout, true, StandardCharsets.UTF_8));
  }

  @Test
  void theGeneratedBootstrapPasswordIsNotLoggedButWrittenToAnOwnerOnlyFileAndMustBeChanged(@TempDir Path dir)
      throws Exception {
    Path file = dir.resolve("data").resolve("admin-password.txt");
    // Every query instance of every node runs it at once: one creates the user, one file is written.
    await(Future.all(ensure("", file), ensure("", file), ensure(null, file)));
    String password = Files.readString(file).strip();
    assertThat(password).hasSizeGreaterThanOrEqualTo(20);
    assertThat(Files.getPosixFilePermissions(file)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
    assertThat(Secrets.checkPassword(password, store.users.get(EMAIL).passwordHash())).isTrue();
    assertThat(store.users.get(EMAIL).mustChangePassword()).isTrue();
    assertThat(store.users.get(EMAIL).admin()).isTrue();
    assertThat(logged.list).hasSize(1);
    assertThat(logged.list.get(0).getFormattedMessage()).doesNotContain(password, EMAIL).contains(file.toString());
    assertThat(stdout.toString(StandardCharsets.UTF_8)).isEmpty();
    try (var listing = Files.list(file.getParent())) {
      assertThat(listing.toList()).as("no temporary file left").containsExactly(file);
    }

    // A later start leaves the user and the file alone.
    await(ensure("", file));
    assertThat(Files.readString(file).strip()).isEqualTo(password);
  }

  @Test
  void aStartFindingTheFileOfAPasswordChangedSinceDeletesIt(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("admin-password.txt");
    await(ensure("", file));
    assertThat(file).exists();
    // The administrator changed the password through another node: that node had no file to delete.
    await(accounts.setPassword(EMAIL, Secrets.hashPassword("a password of my own"), false));

    await(ensure("", file));
    assertThat(file).doesNotExist();
    assertThat(logged.list).extracting(ILoggingEvent::getFormattedMessage)
        .anySatisfy(m -> assertThat(m).contains("Deleted " + file));
    await(ensure("", file)); // nothing left to delete: still a success
    assertThat(Secrets.checkPassword("a password of my own", store.users.get(EMAIL).passwordHash())).isTrue();
  }

  @Test
  void aFileThatCannotBeWrittenLeavesThePasswordOnStdoutOnceNotInTheLog(@TempDir Path dir) throws Exception {
    Path blocker = dir.resolve("not-a-dir");
    Files.writeString(blocker, "x");
    await(ensure("", blocker.resolve("admin-password.txt")));
    String out = stdout.toString(StandardCharsets.UTF_8);
    assertThat(out).contains("one-time password");
    String password = out.substring(out.lastIndexOf(' ') + 1).strip();
    assertThat(Secrets.checkPassword(password, store.users.get(EMAIL).passwordHash())).isTrue();
    assertThat(logged.list).allSatisfy(e -> assertThat(e.getFormattedMessage()).doesNotContain(password));
  }

  @Test
  void aConfiguredPasswordIsTheOperatorsAndNeitherWrittenNorForcedToChange(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("admin-password.txt");
    await(ensure("the operator's secret", file));
    assertThat(file).doesNotExist();
    assertThat(store.users.get(EMAIL).mustChangePassword()).isFalse();
    assertThat(logged.list).allSatisfy(e -> assertThat(e.getFormattedMessage()).doesNotContain("the operator's secret"));
  }
}
