package io.beacon.cli;

import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * The command lines of {@code beacon key-event|user|password}: a property's key events, the users and their roles,
 * one's own password. Options only; the calls are {@link ApiCli}'s.
 */
final class AccountCommands {
  private AccountCommands() {
  }

  @Command(name = "key-event", mixinStandardHelpOptions = true, versionProvider = Cli.Version.class,
      description = {"A property's key events (GA4's \"mark as key event\"): the events counted as keyEvents. A "
          + "change applies to history too: the past days are rebuilt from raw hits."},
      subcommands = {KeyEvent.ListAll.class, KeyEvent.Add.class, KeyEvent.Remove.class},
      synopsisSubcommandLabel = "(list | add | remove)")
  static final class KeyEvent {
    final Cli.Io io;

    @Mixin
    AdminCommands.Connection connection;

    KeyEvent(Cli.Io io) {
      this.io = io;
    }

    /** {@code --property}, on each subcommand. */
    static final class Target {
      @Option(names = "--property", paramLabel = "P", required = true, description = "The property's id (B-...).")
      String property;
    }

    @Command(name = "list", mixinStandardHelpOptions = true, versionProvider = Cli.Version.class,
        description = "Prints the property's key events (JSON).",
        exitCodeListHeading = AdminCommands.EXIT_CODES_HEADING,
        exitCodeList = {"0:printed", "2:usage", "3:the API refused"})
    static final class ListAll implements Callable<Integer> {
      @ParentCommand
      KeyEvent parent;

      @Mixin
      Target target;

      @Override
      public Integer call() {
        ApiCli api = parent.connection.client(parent.io);
        return api.guarded(() -> api.keyEvents(target.property, List.of(), List.of()));
      }
    }

    @Command(name = "add", mixinStandardHelpOptions = true, versionProvider = Cli.Version.class,
        description = "Marks events as key events and prints the property's key events.",
        exitCodeListHeading = AdminCommands.EXIT_CODES_HEADING,
        exitCodeList = {"0:changed", "2:usage", "3:the API refused"})
    static final class Add implements Callable<Integer> {
      @ParentCommand
      KeyEvent parent;

      @Mixin
      Target target;

      @CommandLine.Parameters(paramLabel = "EVENT", arity = "1..*", description = "Event names, e.g. sign_up.")
      List<String> events;

      @Override
      public Integer call() {
        ApiCli api = parent.connection.client(parent.io);
        return api.guarded(() -> api.keyEvents(target.property, events, List.of()));
      }
    }

    @Command(name = "remove", mixinStandardHelpOptions = true, versionProvider = Cli.Version.class,
        description = "Stops counting events as key events and prints the property's key events.",
        exitCodeListHeading = AdminCommands.EXIT_CODES_HEADING,
        exitCodeList = {"0:changed", "2:usage", "3:the API refused"})
    static final class Remove implements Callable<Integer> {
      @ParentCommand
      KeyEvent parent;

      @Mixin
      Target target;

      @CommandLine.Parameters(paramLabel = "EVENT", arity = "1..*", description = "Event names.")
      List<String> events;

      @Override
      public Integer call() {
        ApiCli api = parent.connection.client(parent.io);
        return api.guarded(() -> api.keyEvents(target.property, List.of(), events));
      }
    }
  }

  @Command(name = "user", mixinStandardHelpOptions = true, versionProvider = Cli.Version.class,
      description = "Users (administrators only) and their roles on properties (viewer or admin).",
      subcommands = {User.ListAll.class, User.Create.class, User.Update.class, User.Delete.class, User.Grant.class,
          User.Revoke.class},
      synopsisSubcommandLabel = "(list | create | update | delete | grant | revoke)")
  static final class User {
    final Cli.Io io;

    @Mixin
    AdminCommands.Connection connection;

    User(Cli.Io io) {
      this.io = io;
    }

    @Command(name = "list", mixinStandardHelpOptions = true, versionProvider = Cli.Version.class,
        description = "Prints every user and their roles (JSON).",
        exitCodeListHeading = AdminCommands.EXIT_CODES_HEADING,
        exitCodeList = {"0:printed", "2:usage", "3:the API refused"})
    static final class ListAll implements Callable<Integer> {
      @ParentCommand
      User parent;

      @Override
      public Integer call() {
        ApiCli api = parent.connection.client(parent.io);
        return api.guarded(api::listUsers);
      }
    }

    @Command(name = "create", mixinStandardHelpOptions = true, versionProvider = Cli.Version.class,
        description = {"Creates a user with the password in $BEACON_NEW_PASSWORD (12 characters or more); they must "
            + "change it at their first login unless --keep-password."},
        exitCodeListHeading = AdminCommands.EXIT_CODES_HEADING,
        exitCodeList = {"0:created", "2:usage", "3:the API refused"})
    static final class Create implements Callable<Integer> {
      @ParentCommand
      User parent;

      @Spec
      CommandSpec spec;

      @Option(names = "--email", paramLabel = "E", required = true, description = "Their email (their login).")
      String email;

      @Option(names = "--admin", description = "An administrator (every property, users).")
      boolean admin;

      @Option(names = "--keep-password", description = "Do not ask them to change the password at the first login.")
      boolean keepPassword;

      @Override
      public Integer call() {
        String password = parent.io.env("BEACON_NEW_PASSWORD", "");
        if (password.isEmpty()) {
          throw new ParameterException(spec.commandLine(), "set $BEACON_NEW_PASSWORD to the user's first password "
              + "(not an option: the command line is visible to other users of the machine)");
        }
        ApiCli api = parent.connection.client(parent.io);
        return api.guarded(() -> api.createUser(email, password, admin, !keepPassword));
      }
    }

    /** --disable | --enable. */
    static final class Access {
      @Option(names = "--disable", required = true, description = "They can no longer log in or use their tokens.")
      boolean disable;

      @Option(names = "--enable", required = true, description = "They can again.")
      boolean enable;
    }

    /** --admin | --no-admin. */
    static final class Rank {
      @Option(names = "--admin", required = true, description = "Makes them an administrator.")
      boolean admin;

      @Option(names = "--no-admin", required = true, description = "Makes them a user with property roles only.")
      boolean notAdmin;
    }

    @Command(name = "update", mixinStandardHelpOptions = true, versionProvider = Cli.Version.class,
        description = "Disables or enables a user, or changes whether they are an administrator.",
        exitCodeListHeading = AdminCommands.EXIT_CODES_HEADING,
        exitCodeList = {"0:changed", "2:usage", "3:the API refused"})
    static final class Update implements Callable<Integer> {
      @ParentCommand
      User parent;

      @CommandLine.Parameters(paramLabel = "EMAIL", description = "The user.")
      String email;

      @ArgGroup(exclusive = true)
      Access access;

      @ArgGroup(exclusive = true)
      Rank rank;

      @Override
      public Integer call() {
        JsonObject changes = new JsonObject();
        if (access != null) {
          changes.put("disabled", access.disable);
        }
        if (rank != null) {
          changes.put("admin", rank.admin);
        }
        ApiCli api = parent.connection.client(parent.io);
        return api.guarded(() -> api.updateUser(email, changes));
      }
    }

    @Command(name = "delete", mixinStandardHelpOptions = true, versionProvider = Cli.Version.class,
        description = "Deletes a user, their roles and their API tokens.",
        exitCodeListHeading = AdminCommands.EXIT_CODES_HEADING,
        exitCodeList = {"0:deleted", "2:usage", "3:the API refused"})
    static final class Delete implements Callable<Integer> {
      @ParentCommand
      User parent;

      @CommandLine.Parameters(paramLabel = "EMAIL", description = "The user.")
      String email;

      @Override
      public Integer call() {
        ApiCli api = parent.connection.client(parent.io);
        return api.guarded(() -> api.deleteUser(email));
      }
    }

    @Command(name = "grant", mixinStandardHelpOptions = true, versionProvider = Cli.Version.class,
        description = "Gives a user a role on a property: viewer (reports) or admin (reports and settings).",
        exitCodeListHeading = AdminCommands.EXIT_CODES_HEADING,
        exitCodeList = {"0:granted", "2:usage", "3:the API refused"})
    static final class Grant implements Callable<Integer> {
      @ParentCommand
      User parent;

      @CommandLine.Parameters(paramLabel = "EMAIL", description = "The user.")
      String email;

      @Option(names = "--property", paramLabel = "P", required = true, description = "The property's id.")
      String property;

      @Option(names = "--role", paramLabel = "R", required = true, description = "viewer or admin.")
      String role;

      @Override
      public Integer call() {
        ApiCli api = parent.connection.client(parent.io);
        return api.guarded(() -> api.grantRole(property, email, role));
      }
    }

    @Command(name = "revoke", mixinStandardHelpOptions = true, versionProvider = Cli.Version.class,
        description = "Takes a user's role on a property away.",
        exitCodeListHeading = AdminCommands.EXIT_CODES_HEADING,
        exitCodeList = {"0:revoked", "2:usage", "3:the API refused"})
    static final class Revoke implements Callable<Integer> {
      @ParentCommand
      User parent;

      @CommandLine.Parameters(paramLabel = "EMAIL", description = "The user.")
      String email;

      @Option(names = "--property", paramLabel = "P", required = true, description = "The property's id.")
      String property;

      @Override
      public Integer call() {
        ApiCli api = parent.connection.client(parent.io);
        return api.guarded(() -> api.revokeRole(property, email));
      }
    }
  }

  @Command(name = "password", mixinStandardHelpOptions = true, versionProvider = Cli.Version.class,
      description = {"Changes one's own password: logs in with the current one ($BEACON_PASSWORD, else asked) and "
          + "sets the new one ($BEACON_NEW_PASSWORD, else asked twice; 12 characters or more). Also the change a "
          + "first login asks for (the first administrator's password from data/admin-password.txt)."},
      exitCodeListHeading = AdminCommands.EXIT_CODES_HEADING,
      exitCodeList = {"0:changed", "2:usage (no password and no console)", "3:the API refused"})
  static final class Password implements Callable<Integer> {
    final Cli.Io io;

    @Mixin
    AdminCommands.Connection connection;

    @Option(names = "--email", paramLabel = "E", required = true, description = "Your email (your login).")
    String email;

    Password(Cli.Io io) {
      this.io = io;
    }

    @Override
    public Integer call() {
      ApiCli api = connection.client(io);
      return api.guarded(() -> api.changePassword(email, io.env("BEACON_PASSWORD", ""),
          io.env("BEACON_NEW_PASSWORD", "")));
    }
  }
}
