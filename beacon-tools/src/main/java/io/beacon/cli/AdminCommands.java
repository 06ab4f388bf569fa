package io.beacon.cli;

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
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/**
 * The command lines of {@code beacon token|property|recompute|erase} (and, in {@link AccountCommands}, {@code
 * key-event|user|password}): options only, the work is {@link ApiCli}'s and {@link RecomputeProgress}'. The same
 * names as the dashboard's and the admin API's.
 */
public final class AdminCommands {
  static final String EXIT_CODES_HEADING = "%nExit codes:%n";

  private AdminCommands() {
  }

  /** The commands, for {@code beacon}'s command line. */
  public static List<CommandLine> commands(Cli.Io io) {
    return List.of(new CommandLine(new Token(io)), new CommandLine(new Property(io)),
        new CommandLine(new AccountCommands.KeyEvent(io)), new CommandLine(new AccountCommands.User(io)),
        new CommandLine(new AccountCommands.Password(io)), new CommandLine(new Recompute(io)),
        new CommandLine(new Erase(io)), new CommandLine(new AnnotationCommands(io)));
  }

  /** {@link ApiCli#run}: one command on its own, as {@code beacon COMMAND}. */
  static int run(String command, String[] args, Cli.Io io) {
    for (CommandLine cl : commands(io)) {
      if (cl.getCommandName().equals(command)) {
        cl.setCommandName("beacon " + command);
        return Cli.configure(cl, io).execute(args);
      }
    }
    io.err().println("beacon: unknown command '" + command
        + "' (token, property, key-event, user, password, recompute, erase, annotation)");
    return Cli.EXIT_USAGE;
  }

  /**
   * {@code --url} and {@code --token}, on every admin command and its subcommands (so {@code property --url U list}
   * and {@code property list --url U} are the same).
   */
  static final class Connection {
    @Option(names = "--url", paramLabel = "URL", scope = ScopeType.INHERIT,
        description = {"The node's API.", "Default: $BEACON_URL, else " + ApiCli.DEFAULT_URL + "."})
    String url;

    @Option(names = "--token", paramLabel = "T", scope = ScopeType.INHERIT,
        description = {"API token.", "Default: $BEACON_TOKEN."})
    String token;

    ApiCli client(Cli.Io io) {
      return new ApiCli(url != null ? url : io.env("BEACON_URL", ApiCli.DEFAULT_URL),
          token != null ? token : io.env("BEACON_TOKEN", ""), io.out(), io.err());
    }
  }

  @Command(name = "token", mixinStandardHelpOptions = true, versionProvider = Cli.Version.class,
      description = "API tokens.", subcommands = {Token.Create.class, Token.ListAll.class, Token.Revoke.class},
      synopsisSubcommandLabel = "(create | list | revoke)")
  static final class Token {
    final Cli.Io io;

    @Mixin
    Connection connection;

    Token(Cli.Io io) {
      this.io = io;
    }

    @Command(name = "create", mixinStandardHelpOptions = true, versionProvider = Cli.Version.class,
        description = {"Logs in (password from $BEACON_PASSWORD, else asked on the console) and prints a new API "
            + "token on stdout."},
        exitCodeListHeading = EXIT_CODES_HEADING,
        exitCodeList = {"0:printed", "2:usage (no password and no console)", "3:the API refused or is unreachable"})
    static final class Create implements Callable<Integer> {
      @ParentCommand
      Token parent;

      @Option(names = "--email", paramLabel = "E", required = true, description = "The user's email.")
      String email;

      @Option(names = "--name", paramLabel = "N", defaultValue = "cli",
          description = "The token's name (default: ${DEFAULT-VALUE}).")
      String name;

      @Option(names = "--scope", paramLabel = "S", defaultValue = "admin",
          description = "read (reports and reading only) or admin (all the user may do; default: ${DEFAULT-VALUE}).")
      String scope;

      @Option(names = "--expires", paramLabel = "WHEN",
          description = "When it stops working: a date (YYYY-MM-DD, its start in UTC) or an instant, at most 366 "
              + "days ahead (default: 90 days from now).")
      String expires;

      /** Kept for scripts that passed it; $BEACON_PASSWORD keeps it out of the process list. */
      @Option(names = "--password", paramLabel = "P", hidden = true)
      String password;

      @Override
      public Integer call() {
        ApiCli api = parent.connection.client(parent.io);
        String pw = password != null ? password : parent.io.env("BEACON_PASSWORD", "");
        return api.guarded(() -> api.createToken(email, name, pw, scope, expires));
      }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, versionProvider = Cli.Version.class,
        description = "Prints the API tokens of the --token's user (JSON: id, name, scope, expiry; never the tokens).",
        exitCodeListHeading = EXIT_CODES_HEADING, exitCodeList = {"0:printed", "2:usage", "3:the API refused"})
    static final class ListAll implements Callable<Integer> {
      @ParentCommand
      Token parent;

      @Override
      public Integer call() {
        ApiCli api = parent.connection.client(parent.io);
        return api.guarded(api::listTokens);
      }
    }

    @Command(name = "revoke", mixinStandardHelpOptions = true, versionProvider = Cli.Version.class,
        description = "Revokes one of the --token's user's API tokens by its id (from token list).",
        exitCodeListHeading = EXIT_CODES_HEADING, exitCodeList = {"0:revoked", "2:usage", "3:the API refused"})
    static final class Revoke implements Callable<Integer> {
      @ParentCommand
      Token parent;

      @CommandLine.Parameters(paramLabel = "ID", description = "The token's id (16 hex digits).")
      String id;

      @Override
      public Integer call() {
        ApiCli api = parent.connection.client(parent.io);
        return api.guarded(() -> api.revokeToken(id));
      }
    }
  }

  @Command(name = "property", mixinStandardHelpOptions = true, versionProvider = Cli.Version.class,
      description = "Properties (sites and apps).", subcommands = {Property.Create.class, Property.ListAll.class,
          Property.Show.class, Property.Update.class, Property.RotateSecret.class, Property.Delete.class,
          Property.Restore.class},
      synopsisSubcommandLabel = "(create | list | show | update | rotate-secret)")
  static final class Property {
    final Cli.Io io;

    @Mixin
    Connection connection;

    Property(Cli.Io io) {
      this.io = io;
    }

    @Command(name = "create", mixinStandardHelpOptions = true, versionProvider = Cli.Version.class,
        description = "Creates a property and prints it (JSON) on stdout.",
        exitCodeListHeading = EXIT_CODES_HEADING, exitCodeList = {"0:created", "2:usage", "3:the API refused"})
    static final class Create implements Callable<Integer> {
      @ParentCommand
      Property parent;

      @Spec
      CommandSpec spec;

      @Option(names = "--name", paramLabel = "N", required = true, description = "Its name.")
      String name;

      @Option(names = "--time-zone", paramLabel = "Z", defaultValue = "UTC",
          description = "The time zone its days are in, e.g. Europe/Berlin (default: ${DEFAULT-VALUE}).")
      String timeZone;

      @Option(names = "--hosts", paramLabel = "HOST", split = ",",
          description = "The hostnames it accepts hits from, comma-separated (default: any). A referrer from one of "
              + "them is the site itself: (direct), not a referral.")
      List<String> hosts;

      @Option(names = "--key-events", paramLabel = "EVENT", split = ",",
          description = "The event names that count as key events (GA4's conversions), comma-separated, e.g. "
              + "sign_up,purchase (later: beacon key-event add).")
      List<String> keyEvents;

      @Option(names = "--plausible-domains", paramLabel = "DOMAIN", split = ",",
          description = "The domains Plausible's trackers name the site by (their data-domain / domain), "
              + "comma-separated: their events to /api/event are this property's.")
      List<String> plausibleDomains;

      @Option(names = "--stream-ids", paramLabel = "ID", split = ",",
          description = "The ids its existing tags send to: GA4 measurement ids (G-...), UA tracking ids (UA-...-...),"
              + " Firebase app ids; comma-separated: hits naming one are this property's.")
      List<String> streamIds;

      @Option(names = "--ga-property-id", paramLabel = "N",
          description = "The GA4 property id (digits) Data API scripts name it by.")
      String gaPropertyId;

      /** From the environment, not the command line (which other users of the machine can read). */
      @Option(names = "--api-secret-from-env", paramLabel = "VAR",
          description = "The environment variable holding the Measurement Protocol api secret to use (e.g. the GA4 "
              + "stream's); default: a random one.")
      String apiSecretVar;

      @Override
      public Integer call() {
        if (name.isBlank()) {
          throw new ParameterException(spec.commandLine(), "--name must not be blank");
        }
        String secret = apiSecretVar == null ? null : parent.io.env(apiSecretVar, "");
        if (apiSecretVar != null && secret.isEmpty()) {
          throw new ParameterException(spec.commandLine(), "$" + apiSecretVar + " is not set");
        }
        ApiCli api = parent.connection.client(parent.io);
        return api.guarded(() -> api.createProperty(name, timeZone, hosts, plausibleDomains, streamIds, gaPropertyId,
            secret, keyEvents));
      }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, versionProvider = Cli.Version.class,
        description = "Prints every property (JSON) on stdout.",
        exitCodeListHeading = EXIT_CODES_HEADING, exitCodeList = {"0:printed", "2:usage", "3:the API refused"})
    static final class ListAll implements Callable<Integer> {
      @ParentCommand
      Property parent;

      @Override
      public Integer call() {
        ApiCli api = parent.connection.client(parent.io);
        return api.guarded(api::listProperties);
      }
    }

    @Command(name = "show", mixinStandardHelpOptions = true, versionProvider = Cli.Version.class,
        description = "Prints one property and its settings (JSON) on stdout.",
        exitCodeListHeading = EXIT_CODES_HEADING, exitCodeList = {"0:printed", "2:usage", "3:the API refused"})
    static final class Show implements Callable<Integer> {
      @ParentCommand
      Property parent;

      @CommandLine.Parameters(paramLabel = "ID", description = "The property's id (B-...).")
      String id;

      @Override
      public Integer call() {
        ApiCli api = parent.connection.client(parent.io);
        return api.guarded(() -> api.showProperty(id));
      }
    }

    @Command(name = "update", mixinStandardHelpOptions = true, versionProvider = Cli.Version.class,
        description = {"Changes the settings named, and only those (the others keep their values), and prints the "
            + "property. A list option given empty (--hosts '') clears the list. Settings that apply to history "
            + "(key events, session settings, time zone) start a rebuild of the past days."},
        exitCodeListHeading = EXIT_CODES_HEADING, exitCodeList = {"0:changed", "2:usage", "3:the API refused"})
    static final class Update implements Callable<Integer> {
      @ParentCommand
      Property parent;

      @CommandLine.Parameters(paramLabel = "ID", description = "The property's id (B-...).")
      String id;

      @Option(names = "--name", paramLabel = "N", description = "Its name.")
      String name;

      @Option(names = "--time-zone", paramLabel = "Z", description = "The IANA time zone its days are in.")
      String timeZone;

      @Option(names = "--hosts", paramLabel = "HOST", split = ",", description = "Allowed hostnames, comma-separated.")
      List<String> hosts;

      @Option(names = "--key-events", paramLabel = "EVENT", split = ",",
          description = "The key events (replaces the list; see also beacon key-event add|remove).")
      List<String> keyEvents;

      @Option(names = "--retention-days", paramLabel = "DAYS", description = "How long raw hits are kept (1-3650).")
      Integer retentionDays;

      @Option(names = "--respect-dnt", paramLabel = "true|false", arity = "1",
          description = "Drop hits of browsers that send Do Not Track or Global Privacy Control.")
      Boolean respectDnt;

      @Option(names = "--cookieless", paramLabel = "true|false", arity = "1",
          description = "Keep no client state: visitors are counted by a daily salted hash (as Plausible does).")
      Boolean cookieless;

      @Option(names = "--session-timeout-minutes", paramLabel = "M", description = "GA4's session timeout (5-475).")
      Integer sessionTimeoutMinutes;

      @Option(names = "--engaged-session-seconds", paramLabel = "S",
          description = "GA4's timer for engaged sessions (10-60).")
      Integer engagedSessionSeconds;

      @Option(names = "--kept-query-params", paramLabel = "P", split = ",",
          description = "The query parameters page URLs keep (names, prefixes ending in *, or *); '' strips all.")
      List<String> keptQueryParams;

      @Option(names = "--plausible-domains", paramLabel = "DOMAIN", split = ",",
          description = "The domains Plausible's trackers name it by.")
      List<String> plausibleDomains;

      @Option(names = "--stream-ids", paramLabel = "ID", split = ",",
          description = "GA4 measurement ids, UA tracking ids, Firebase app ids its tags send to.")
      List<String> streamIds;

      @Option(names = "--ga-property-id", paramLabel = "N", description = "The GA4 property id Data API scripts use.")
      String gaPropertyId;

      @Override
      public Integer call() {
        io.vertx.core.json.JsonObject changes = new io.vertx.core.json.JsonObject();
        putIf(changes, "name", name);
        putIf(changes, "timeZone", timeZone);
        putList(changes, "allowedHostnames", hosts);
        putList(changes, "keyEvents", keyEvents);
        putIf(changes, "retentionDays", retentionDays);
        putIf(changes, "respectDnt", respectDnt);
        putIf(changes, "cookieless", cookieless);
        putIf(changes, "sessionTimeoutMinutes", sessionTimeoutMinutes);
        putIf(changes, "engagedSessionSeconds", engagedSessionSeconds);
        putList(changes, "keptQueryParams", keptQueryParams);
        putList(changes, "plausibleDomains", plausibleDomains);
        putList(changes, "streamIds", streamIds);
        putIf(changes, "gaPropertyId", gaPropertyId);
        ApiCli api = parent.connection.client(parent.io);
        return api.guarded(() -> api.updateProperty(id, changes));
      }

      private static void putIf(io.vertx.core.json.JsonObject o, String key, Object value) {
        if (value != null) {
          o.put(key, value);
        }
      }

      /** A list option: absent leaves the setting, '' (one empty element) clears it. */
      private static void putList(io.vertx.core.json.JsonObject o, String key, List<String> values) {
        if (values != null) {
          o.put(key, new io.vertx.core.json.JsonArray(values.stream().map(String::strip).filter(v -> !v.isEmpty())
              .toList()));
        }
      }
    }

    @Command(name = "delete", mixinStandardHelpOptions = true, versionProvider = Cli.Version.class,
        description = {"Moves the property to the trash, as GA4 does: from then on the collector refuses its hits "
            + "(\"property deleted\") and its reports answer 404; it can be restored ('property restore ID') for 35 "
            + "days. --confirm must repeat the id. Prints the property's deletedAt and purgeAfter (JSON). Property "
            + "admins only."},
        exitCodeListHeading = EXIT_CODES_HEADING, exitCodeList = {"0:deleted", "2:usage (--confirm is not the id)",
            "3:the API refused"})
    static final class Delete implements Callable<Integer> {
      @ParentCommand
      Property parent;

      @Spec
      CommandSpec spec;

      @CommandLine.Parameters(paramLabel = "ID", description = "The property's id (B-...).")
      String id;

      @Option(names = "--confirm", paramLabel = "ID", required = true,
          description = "The property's id again: a mistyped or half-pasted command deletes nothing.")
      String confirm;

      @Override
      public Integer call() {
        if (!id.equals(confirm)) {
          throw new ParameterException(spec.commandLine(), "--confirm must repeat the property id (" + id + ")");
        }
        ApiCli api = parent.connection.client(parent.io);
        return api.guarded(() -> api.deleteProperty(id, confirm));
      }
    }

    @Command(name = "restore", mixinStandardHelpOptions = true, versionProvider = Cli.Version.class,
        description = {"Takes a deleted property out of the trash, as it was (settings, roles, secret, data), and "
            + "prints it (JSON); with --list, prints the trash instead (the deleted properties you administer, each "
            + "with deletedAt and purgeAfter). Property admins only."},
        exitCodeListHeading = EXIT_CODES_HEADING, exitCodeList = {"0:restored or listed", "2:usage",
            "3:the API refused (e.g. the property is not deleted)"})
    static final class Restore implements Callable<Integer> {
      @ParentCommand
      Property parent;

      @Spec
      CommandSpec spec;

      @CommandLine.Parameters(paramLabel = "ID", arity = "0..1", description = "The property's id (B-...).")
      String id;

      @Option(names = "--list", description = "Print the trash instead of restoring.")
      boolean list;

      @Override
      public Integer call() {
        if (list == (id != null)) {
          throw new ParameterException(spec.commandLine(), "name a property id, or --list");
        }
        ApiCli api = parent.connection.client(parent.io);
        return api.guarded(() -> list ? api.listDeletedProperties() : api.restoreProperty(id));
      }
    }

    @Command(name = "rotate-secret", mixinStandardHelpOptions = true, versionProvider = Cli.Version.class,
        description = {"Gives the property a new Measurement Protocol api secret (the old one stops working at once) "
            + "and prints the property with it."},
        exitCodeListHeading = EXIT_CODES_HEADING, exitCodeList = {"0:rotated", "2:usage", "3:the API refused"})
    static final class RotateSecret implements Callable<Integer> {
      @ParentCommand
      Property parent;

      @Spec
      CommandSpec spec;

      @CommandLine.Parameters(paramLabel = "ID", description = "The property's id (B-...).")
      String id;

      @Option(names = "--api-secret-from-env", paramLabel = "VAR",
          description = "The environment variable holding the secret to set (e.g. the GA4 stream's); default: a "
              + "random one.")
      String apiSecretVar;

      @Override
      public Integer call() {
        String secret = apiSecretVar == null ? null : parent.io.env(apiSecretVar, "");
        if (apiSecretVar != null && secret.isEmpty()) {
          throw new ParameterException(spec.commandLine(), "$" + apiSecretVar + " is not set");
        }
        ApiCli api = parent.connection.client(parent.io);
        return api.guarded(() -> api.rotateSecret(id, secret));
      }
    }
  }

  @Command(name = "recompute", mixinStandardHelpOptions = true, versionProvider = Cli.Version.class,
      description = {"Rebuilds closed days of a property from its raw hits (a correction job) and follows it with a "
          + "progress bar on stderr until it ends; or follows (--status) or cancels (--cancel) a job.",
          "Interrupting the command leaves the job running on the server."},
      exitCodeListHeading = EXIT_CODES_HEADING,
      exitCodeList = {"0:done (--no-wait: queued, its id on stdout)", "1:the job failed or was cancelled",
          "2:usage", "3:the API refused or is unreachable"})
  static final class Recompute implements Callable<Integer> {
    final Cli.Io io;

    @Mixin
    Connection connection;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Job job;

    Recompute(Cli.Io io) {
      this.io = io;
    }

    /** Start one, follow one, or cancel one. */
    static final class Job {
      @ArgGroup(exclusive = false)
      Start start;

      @Option(names = "--status", paramLabel = "JOB", required = true,
          description = "Follows job JOB until it ends.")
      String status;

      @Option(names = "--cancel", paramLabel = "JOB", required = true,
          description = "Cancels job JOB and prints it.")
      String cancel;
    }

    static final class Start {
      @Option(names = "--property", paramLabel = "P", required = true, description = "The property's id.")
      String property;

      @Option(names = "--from", paramLabel = "YYYY-MM-DD", required = true,
          description = "The first day (the property's time zone).")
      String from;

      @Option(names = "--to", paramLabel = "YYYY-MM-DD", required = true, description = "The last day.")
      String to;

      @Option(names = "--no-wait", description = "Prints the job's id on stdout and returns once it is queued.")
      boolean noWait;
    }

    @Override
    public Integer call() {
      ApiCli api = connection.client(io);
      RecomputeProgress jobs = api.recompute();
      if (job.cancel != null) {
        return api.guarded(() -> jobs.cancel(job.cancel));
      }
      if (job.status != null) {
        return api.guarded(() -> jobs.status(job.status));
      }
      Start s = job.start;
      return api.guarded(() -> jobs.start(s.property, s.from, s.to, !s.noWait));
    }
  }

  @Command(name = "erase", mixinStandardHelpOptions = true, versionProvider = Cli.Version.class,
      description = {"Erases one person of a property, by client id or by user id, from every store (raw hits, first "
          + "visits, cached reports; the aggregates are rebuilt by a recompute job) and records a tombstone so a "
          + "replay cannot bring the person back. Prints what was erased. Property admins only."},
      exitCodeListHeading = EXIT_CODES_HEADING,
      exitCodeList = {"0:erased (or nothing to erase)", "2:usage",
          "3:the API refused or is unreachable (409: another erasure is running, retry)"})
  static final class Erase implements Callable<Integer> {
    final Cli.Io io;

    @Mixin
    Connection connection;

    @Option(names = "--property", paramLabel = "P", required = true, description = "The property's id.")
    String property;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Person person;

    static final class Person {
      @Option(names = "--client-id", paramLabel = "X", required = true, description = "The client id to erase.")
      String clientId;

      @Option(names = "--user-id", paramLabel = "U", required = true, description = "The user id to erase.")
      String userId;
    }

    Erase(Cli.Io io) {
      this.io = io;
    }

    @Override
    public Integer call() {
      ApiCli api = connection.client(io);
      return api.guarded(() -> api.erase(property, person.clientId, person.userId));
    }
  }
}
