package io.beacon.cli;

import io.vertx.core.json.JsonObject;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * {@code beacon annotation list|add|update|remove}: notes on days of a property's timeline (README, "Annotations").
 * Options only; the calls are {@link ApiCli#call}s to {@code /api/v1/properties/{id}/annotations}.
 */
@Command(name = "annotation", mixinStandardHelpOptions = true, versionProvider = Cli.Version.class,
    description = {"Notes on days of a property's timeline (\"new pricing page\"), shown on the dashboard's charts."},
    subcommands = {AnnotationCommands.ListAll.class, AnnotationCommands.Add.class, AnnotationCommands.Update.class,
        AnnotationCommands.Remove.class},
    synopsisSubcommandLabel = "(list | add | update | remove)")
final class AnnotationCommands {
  final Cli.Io io;

  @Mixin
  AdminCommands.Connection connection;

  AnnotationCommands(Cli.Io io) {
    this.io = io;
  }

  private static String path(String property) {
    return "/api/v1/properties/" + ApiCli.segment(property) + "/annotations";
  }

  @Command(name = "list", mixinStandardHelpOptions = true, versionProvider = Cli.Version.class,
      description = "Prints the property's annotations (JSON), by day.",
      exitCodeListHeading = AdminCommands.EXIT_CODES_HEADING,
      exitCodeList = {"0:printed", "2:usage", "3:the API refused"})
  static final class ListAll implements Callable<Integer> {
    @ParentCommand
    AnnotationCommands parent;

    @Mixin
    AccountCommands.KeyEvent.Target target;

    @Option(names = "--from", paramLabel = "YYYY-MM-DD", description = "The first day listed.")
    String from;

    @Option(names = "--to", paramLabel = "YYYY-MM-DD", description = "The last day listed.")
    String to;

    @Override
    public Integer call() {
      ApiCli api = parent.connection.client(parent.io);
      StringBuilder q = new StringBuilder();
      if (from != null) {
        q.append("?startDate=").append(ApiCli.segment(from));
      }
      if (to != null) {
        q.append(q.length() == 0 ? '?' : '&').append("endDate=").append(ApiCli.segment(to));
      }
      return api.guarded(() -> api.print(api.call("GET", path(target.property) + q, null)));
    }
  }

  @Command(name = "add", mixinStandardHelpOptions = true, versionProvider = Cli.Version.class,
      description = "Adds an annotation and prints it.",
      exitCodeListHeading = AdminCommands.EXIT_CODES_HEADING,
      exitCodeList = {"0:added", "2:usage", "3:the API refused"})
  static final class Add implements Callable<Integer> {
    @ParentCommand
    AnnotationCommands parent;

    @Mixin
    AccountCommands.KeyEvent.Target target;

    @Option(names = "--date", paramLabel = "YYYY-MM-DD", required = true,
        description = "The day, in the property's time zone.")
    String date;

    @Option(names = "--title", required = true, description = "1-150 characters.")
    String title;

    @Option(names = "--description", description = "Up to 1,000 characters.")
    String description;

    @Override
    public Integer call() {
      ApiCli api = parent.connection.client(parent.io);
      JsonObject body = new JsonObject().put("date", date).put("title", title);
      if (description != null) {
        body.put("description", description);
      }
      return api.guarded(() -> api.print(api.call("POST", path(target.property), body)));
    }
  }

  @Command(name = "update", mixinStandardHelpOptions = true, versionProvider = Cli.Version.class,
      description = "Changes an annotation's date, title or description (those given) and prints it.",
      exitCodeListHeading = AdminCommands.EXIT_CODES_HEADING,
      exitCodeList = {"0:changed", "2:usage", "3:the API refused"})
  static final class Update implements Callable<Integer> {
    @ParentCommand
    AnnotationCommands parent;

    @Mixin
    AccountCommands.KeyEvent.Target target;

    @CommandLine.Parameters(paramLabel = "ID", description = "The annotation's id (from list).")
    String id;

    @Option(names = "--date", paramLabel = "YYYY-MM-DD")
    String date;

    @Option(names = "--title")
    String title;

    @Option(names = "--description")
    String description;

    @Override
    public Integer call() {
      ApiCli api = parent.connection.client(parent.io);
      JsonObject body = new JsonObject();
      if (date != null) {
        body.put("date", date);
      }
      if (title != null) {
        body.put("title", title);
      }
      if (description != null) {
        body.put("description", description);
      }
      return api.guarded(() -> api.print(api.call("PATCH", path(target.property) + "/" + ApiCli.segment(id), body)));
    }
  }

  @Command(name = "remove", mixinStandardHelpOptions = true, versionProvider = Cli.Version.class,
      description = "Deletes an annotation.",
      exitCodeListHeading = AdminCommands.EXIT_CODES_HEADING,
      exitCodeList = {"0:deleted", "2:usage", "3:the API refused"})
  static final class Remove implements Callable<Integer> {
    @ParentCommand
    AnnotationCommands parent;

    @Mixin
    AccountCommands.KeyEvent.Target target;

    @CommandLine.Parameters(paramLabel = "ID", description = "The annotation's id (from list).")
    String id;

    @Override
    public Integer call() {
      ApiCli api = parent.connection.client(parent.io);
      return api.guarded(() -> {
        api.call("DELETE", path(target.property) + "/" + ApiCli.segment(id), null);
        return api.print(new JsonObject().put("deleted", id));
      });
    }
  }
}
