package io.beacon.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The HTTP routes a verticle registers, read from its Java source: every {@code router.get/post/put/patch/
 * delete/head/options(...)}, their {@code ...WithRegex} forms and {@code router.route(...)}. A registration
 * this reader cannot resolve (a path that is neither a string literal nor a loop variable over a string
 * array literal, or a {@code route()} refined by {@code .path(...)}/{@code .method(...)}) is an error, so a
 * new style of registration fails loudly instead of going unchecked.
 */
public final class RouteSources {
  private RouteSources() {}

  /**
   * One registration.
   *
   * @param method upper-case HTTP method, or {@code ANY} for {@code route(...)}
   * @param path the literal path ({@code /a/:id}), the regex for regex routes, or null for {@code route()}
   * @param regex whether {@code path} is a regular expression
   * @param line 1-based line of the registration
   */
  public record Route(String source, String method, String path, boolean regex, int line) {
    /** The path in OpenAPI form: {@code :id} and {@code (?<id>...)} become {@code {id}}. */
    public String openApiPath() {
      return regex ? templateOfRegex(path) : path.replaceAll(":([A-Za-z0-9_]+)", "{$1}");
    }

    @Override
    public String toString() {
      return method + " " + path + " (" + source + ":" + line + ")";
    }
  }

  private static final Pattern CALL = Pattern.compile(
      "\\brouter\\s*\\.\\s*(route|get|post|put|patch|delete|head|options)(WithRegex)?\\s*\\(");
  private static final Pattern STRING_LIT = Pattern.compile("\"((?:[^\"\\\\]|\\\\.)*)\"");
  private static final Pattern IDENT = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
  private static final Pattern HTTP_METHOD_ARG = Pattern.compile("HttpMethod\\.([A-Z]+)\\s*,\\s*(.*)", Pattern.DOTALL);

  public static List<Route> read(Path source) {
    String text;
    try {
      text = withoutComments(Files.readString(source));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    String name = source.getFileName().toString();
    List<Route> routes = new ArrayList<>();
    Matcher m = CALL.matcher(text);
    while (m.find()) {
      int line = lineOf(text, m.start());
      boolean regex = m.group(2) != null;
      String method = m.group(1).equals("route") ? "ANY" : m.group(1).toUpperCase(Locale.ROOT);
      int close = javaClosing(text, m.end() - 1, '(', ')');
      String arg = text.substring(m.end(), close).trim();
      Matcher hm = HTTP_METHOD_ARG.matcher(arg);
      if (method.equals("ANY") && hm.matches()) {
        method = hm.group(1);
        arg = hm.group(2).trim();
      }
      if (arg.isEmpty()) {
        String after = text.substring(close + 1).stripLeading();
        if (after.startsWith(".path") || after.startsWith(".method") || after.startsWith(".virtualHost")) {
          throw new IllegalStateException(name + ":" + line + ": route() refined by " + after.substring(0, Math.min(20, after.length()))
              + " is not understood by " + RouteSources.class.getSimpleName() + "; extend it");
        }
        routes.add(new Route(name, method, null, false, line));
        continue;
      }
      for (String path : resolve(text, m.start(), arg, name, line)) {
        routes.add(new Route(name, method, path, regex, line));
      }
    }
    return routes;
  }

  /** A string literal, or a loop variable of {@code for (String v : new String[] {"..", ".."})} around the call. */
  private static List<String> resolve(String text, int at, String arg, String name, int line) {
    Matcher lit = STRING_LIT.matcher(arg);
    if (lit.matches()) {
      return List.of(unescape(lit.group(1)));
    }
    if (IDENT.matcher(arg).matches()) {
      Matcher loop = Pattern.compile("for\\s*\\(\\s*(?:final\\s+)?String\\s+" + Pattern.quote(arg)
          + "\\s*:\\s*new\\s+String\\s*\\[\\s*]\\s*\\{([^}]*)}\\s*\\)").matcher(text.substring(0, at));
      String items = null;
      int headerEnd = -1;
      while (loop.find()) {
        items = loop.group(1);
        headerEnd = loop.end();
      }
      int bodyOpen = items == null ? -1 : text.indexOf('{', headerEnd);
      if (bodyOpen >= 0 && bodyOpen < at && javaClosing(text, bodyOpen, '{', '}') > at) {
        List<String> out = new ArrayList<>();
        Matcher each = STRING_LIT.matcher(items);
        while (each.find()) {
          out.add(unescape(each.group(1)));
        }
        return out;
      }
    }
    throw new IllegalStateException(name + ":" + line + ": cannot resolve the route path '" + arg + "' (not a string literal"
        + " nor a loop over a string array literal); extend " + RouteSources.class.getSimpleName());
  }

  /**
   * {@code /api/v1/properties/(?<id>[A-Za-z0-9_-]{1,64}):runReport} becomes {@code /api/v1/properties/{id}:runReport};
   * anything else regex-like left over is an error (the route has no single OpenAPI path).
   */
  public static String templateOfRegex(String regex) {
    StringBuilder out = new StringBuilder();
    int i = 0;
    while (i < regex.length()) {
      if (regex.startsWith("(?<", i) && i + 3 < regex.length() && regex.charAt(i + 3) != '=' && regex.charAt(i + 3) != '!') {
        int gt = regex.indexOf('>', i);
        out.append('{').append(regex, i + 3, gt).append('}');
        i = regexGroupEnd(regex, i) + 1;
      } else if (regex.charAt(i) == '\\' && i + 1 < regex.length()) {
        out.append(regex.charAt(i + 1));
        i += 2;
      } else {
        char c = regex.charAt(i);
        if ("()[]*+?^$|.".indexOf(c) >= 0) {
          throw new IllegalArgumentException("regex route '" + regex + "' has '" + c + "' outside a named group:"
              + " it has no single OpenAPI path");
        }
        out.append(c);
        i++;
      }
    }
    return out.toString();
  }

  /** The regex of each named group: {@code id -> [A-Za-z0-9_-]{1,64}}. */
  public static java.util.Map<String, String> namedGroups(String regex) {
    java.util.Map<String, String> out = new java.util.LinkedHashMap<>();
    Matcher g = Pattern.compile("\\(\\?<([A-Za-z][A-Za-z0-9]*)>").matcher(regex);
    while (g.find()) {
      out.put(g.group(1), regex.substring(g.end(), regexGroupEnd(regex, g.start())));
    }
    return out;
  }

  private static String unescape(String s) {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '\\' && i + 1 < s.length()) {
        char n = s.charAt(++i);
        switch (n) {
          case 'n' -> out.append('\n');
          case 't' -> out.append('\t');
          default -> out.append(n);
        }
      } else {
        out.append(c);
      }
    }
    return out.toString();
  }

  /** Index of the bracket closing the one at {@code open} in Java source, skipping string and char literals. */
  private static int javaClosing(String s, int open, char o, char c) {
    int depth = 0;
    for (int i = open; i < s.length(); i++) {
      char ch = s.charAt(i);
      if (ch == '"' || ch == '\'') {
        for (i++; i < s.length() && s.charAt(i) != ch; i++) {
          if (s.charAt(i) == '\\') {
            i++;
          }
        }
      } else if (ch == o) {
        depth++;
      } else if (ch == c && --depth == 0) {
        return i;
      }
    }
    throw new IllegalStateException("no '" + c + "' closes the '" + o + "' at offset " + open);
  }

  /** Index of the parenthesis closing the group opened at {@code open} in a regex, skipping escapes and classes. */
  private static int regexGroupEnd(String re, int open) {
    int depth = 0;
    boolean inClass = false;
    for (int i = open; i < re.length(); i++) {
      char ch = re.charAt(i);
      if (ch == '\\') {
        i++;
      } else if (inClass) {
        inClass = ch != ']';
      } else if (ch == '[') {
        inClass = true;
      } else if (ch == '(') {
        depth++;
      } else if (ch == ')' && --depth == 0) {
        return i;
      }
    }
    throw new IllegalArgumentException("unbalanced group in regex '" + re + "'");
  }

  /** The source with comments blanked out (newlines kept, so line numbers stay), string literals untouched. */
  static String withoutComments(String s) {
    StringBuilder out = new StringBuilder(s);
    for (int i = 0; i < s.length(); i++) {
      char ch = s.charAt(i);
      if (ch == '"' || ch == '\'') {
        for (i++; i < s.length() && s.charAt(i) != ch; i++) {
          if (s.charAt(i) == '\\') {
            i++;
          }
        }
      } else if (s.startsWith("//", i)) {
        for (; i < s.length() && s.charAt(i) != '\n'; i++) {
          out.setCharAt(i, ' ');
        }
      } else if (s.startsWith("/*", i)) {
        int end = s.indexOf("*/", i + 2);
        end = end < 0 ? s.length() : end + 2;
        for (; i < end; i++) {
          if (s.charAt(i) != '\n') {
            out.setCharAt(i, ' ');
          }
        }
        i--;
      }
    }
    return out.toString();
  }

  private static int lineOf(String text, int at) {
    int line = 1;
    for (int i = 0; i < at; i++) {
      if (text.charAt(i) == '\n') {
        line++;
      }
    }
    return line;
  }
}
