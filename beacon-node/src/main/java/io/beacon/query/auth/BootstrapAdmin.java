package io.beacon.query.auth;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The first administrator ({@code query.adminEmail}), created at start if missing. Safe on every instance and node at
 * once: the insert is a lightweight transaction, and only the call that applied it says anything.
 *
 * <ul>
 *   <li>With {@code query.adminPassword} set, that password (the operator chose it and holds it in their secrets):
 *       nothing is written or printed.</li>
 *   <li>Without it, a random one-time password, which the first login must change ({@code passwordChangeRequired}):
 *       written to {@code query.adminPasswordFile} on the node that created the user, readable by the node's user
 *       only (0600), and never logged. Only if that file cannot be written is it printed once on standard output,
 *       not through the logger.</li>
 * </ul>
 * Once the administrator has replaced that password, the file is deleted ({@link #deletePasswordFile}): by the node
 * the change was made on, and at start by any node that finds it while no change is pending any more (a change made
 * through another node).
 */
public final class BootstrapAdmin {
  private static final Logger LOG = LoggerFactory.getLogger(BootstrapAdmin.class);

  private BootstrapAdmin() {}

  /**
   * @param configuredPassword {@code query.adminPassword} (null or empty: generate one)
   * @param passwordFile       {@code query.adminPasswordFile}: where a generated password goes
   * @param stdout             where it goes if the file cannot be written
   */
  public static Future<Void> ensure(Vertx vertx, Accounts accounts, String email, String configuredPassword,
      Path passwordFile, PrintStream stdout) {
    boolean generated = configuredPassword == null || configuredPassword.isEmpty();
    return accounts.storedUser(email).compose(existing -> {
      if (existing.isPresent()) {
        // Changed already (through any node): the password in a file left here opens nothing any more.
        return existing.get().mustChangePassword() ? Future.succeededFuture()
            : deletePasswordFile(vertx, passwordFile);
      }
      String password = generated ? Secrets.randomToken(18) : configuredPassword;
      return vertx.executeBlocking(() -> Secrets.hashPassword(password), false)
          .compose(hash -> accounts.createUser(email, hash, true, generated))
          .compose(created -> {
            if (!created) {
              return Future.succeededFuture();
            }
            if (!generated) {
              LOG.info("Created the first administrator (query.adminEmail) with the configured query.adminPassword");
              return Future.succeededFuture();
            }
            return vertx.executeBlocking(() -> {
              try {
                writeOwnerOnly(passwordFile, password + "\n");
                LOG.warn("Created the first administrator (query.adminEmail) with a one-time password, written to {}"
                    + " on this node (readable by its owner only); the first login must change it", passwordFile);
              } catch (IOException | RuntimeException e) {
                LOG.warn("Created the first administrator (query.adminEmail) with a one-time password, but could not"
                    + " write it to {} ({}); it was printed once on standard output", passwordFile, e.toString());
                stdout.println("Beacon: the first administrator's one-time password (change it at the first login): "
                    + password);
                stdout.flush();
              }
              return null;
            }, false).mapEmpty();
          });
    });
  }

  /**
   * Deletes the one-time password file, if this node has one, once the administrator's password has been replaced
   * (its password opens nothing any more, and a stale secret on disk is one too many). On a worker; never fails: a
   * file that cannot be deleted is reported in the log, to be deleted by hand.
   */
  public static Future<Void> deletePasswordFile(Vertx vertx, Path passwordFile) {
    if (passwordFile == null) {
      return Future.succeededFuture();
    }
    return vertx.executeBlocking(() -> {
      if (Files.deleteIfExists(passwordFile)) {
        LOG.info("Deleted {}: the first administrator's one-time password in it has been replaced", passwordFile);
      }
      return (Void) null;
    }, false).recover(e -> {
      LOG.warn("Could not delete {}, which holds the first administrator's replaced one-time password ({}); delete"
          + " it by hand", passwordFile, e.toString());
      return Future.succeededFuture();
    });
  }

  /** Writes {@code text} to {@code file}, which no other user of the machine can read at any moment (0600). */
  static void writeOwnerOnly(Path file, String text) throws IOException {
    Path abs = file.toAbsolutePath();
    Files.createDirectories(abs.getParent());
    boolean posix = abs.getFileSystem().supportedFileAttributeViews().contains("posix");
    Path tmp = posix
        ? Files.createTempFile(abs.getParent(), ".admin-password", ".tmp",
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")))
        : Files.createTempFile(abs.getParent(), ".admin-password", ".tmp");
    try {
      Files.writeString(tmp, text, StandardCharsets.UTF_8);
      try {
        Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (FileAlreadyExistsException | java.nio.file.AtomicMoveNotSupportedException e) {
        Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING);
      }
    } finally {
      Files.deleteIfExists(tmp);
    }
  }
}
