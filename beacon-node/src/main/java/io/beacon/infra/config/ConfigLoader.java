package io.beacon.infra.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * Reads the configuration in three layers: the defaults in {@code beacon-default.yaml} on the
 * classpath, an optional override file ({@code --config}), then environment variables named
 * {@code BEACON_<KEY_PATH>} (e.g. {@code BEACON_KAFKA_BOOTSTRAP}, {@code
 * BEACON_NODE_VERTICLES_COLLECTOR_INSTANCES}); list values in variables are comma-separated.
 * Unknown keys are errors, so a typo never silently falls back to a default.
 */
public final class ConfigLoader {
  public static final String DEFAULTS = "beacon-default.yaml";
  public static final String ENV_PREFIX = "BEACON_";

  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
      .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
      .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);

  private ConfigLoader() {}

  /** Loads, merges and validates; throws {@link ConfigException} naming the bad keys. */
  public static BeaconConfig load(Path overrideFile, Map<String, String> env) {
    ObjectNode tree = readDefaults();
    // Which keys the file or the environment set (dotted path -> how an error names it): a secret given both
    // inline and as a file is an error only when both were given, not when one is a default.
    Map<String, String> given = new TreeMap<>();
    if (overrideFile != null) {
      if (!Files.isRegularFile(overrideFile)) {
        throw new ConfigException("--config: file not found: " + overrideFile.toAbsolutePath());
      }
      try {
        JsonNode override = YAML.readTree(overrideFile.toFile());
        if (override != null && !override.isMissingNode() && !override.isNull()) {
          if (!override.isObject()) {
            throw new ConfigException("--config: " + overrideFile + " must hold a YAML mapping at the top level");
          }
          merge(tree, (ObjectNode) override, "", given);
        }
      } catch (JsonProcessingException e) {
        throw new ConfigException("--config: " + overrideFile + " is not valid YAML: " + e.getOriginalMessage()
            + (e.getLocation() == null ? "" : " (line " + e.getLocation().getLineNr() + ")"));
      } catch (IOException e) {
        throw new ConfigException("--config: cannot read " + overrideFile + ": " + e.getMessage());
      }
    }
    applyEnv(tree, env, given);
    Secrets.resolve(tree, given);
    if (!tree.path("node").hasNonNull("name") || tree.path("node").path("name").asText().isBlank()) {
      ((ObjectNode) tree.with("node")).put("name", defaultNodeName());
    }
    BeaconConfig config;
    try {
      config = YAML.treeToValue(tree, BeaconConfig.class);
    } catch (ValueInstantiationException e) {
      // A typed value refusing a spelling (e.g. FsyncPolicy.fromKey) says why; Jackson's wrapping adds nothing.
      String why = e.getCause() instanceof IllegalArgumentException iae ? iae.getMessage() : e.getOriginalMessage();
      throw new ConfigException(path(e) + ": " + why);
    } catch (JsonMappingException e) {
      throw new ConfigException(path(e) + ": " + e.getOriginalMessage().replaceAll(" \\(class [^)]*\\)", ""));
    } catch (JsonProcessingException e) {
      throw new ConfigException("configuration: " + e.getOriginalMessage());
    }
    return config.validate();
  }

  private static ObjectNode readDefaults() {
    try (InputStream in = ConfigLoader.class.getClassLoader().getResourceAsStream(DEFAULTS)) {
      if (in == null) {
        throw new ConfigException(DEFAULTS + ": missing from the classpath (broken build)");
      }
      return (ObjectNode) YAML.readTree(in);
    } catch (IOException e) {
      throw new ConfigException(DEFAULTS + ": " + e.getMessage());
    }
  }

  /** Deep-merges {@code src} into {@code dst}: mappings merge key by key, anything else replaces. */
  private static void merge(ObjectNode dst, ObjectNode src, String prefix, Map<String, String> given) {
    Iterator<Map.Entry<String, JsonNode>> it = src.fields();
    while (it.hasNext()) {
      Map.Entry<String, JsonNode> e = it.next();
      JsonNode existing = dst.get(e.getKey());
      if (existing instanceof ObjectNode eo && e.getValue() instanceof ObjectNode so) {
        merge(eo, so, prefix + e.getKey() + ".", given);
      } else {
        dst.set(e.getKey(), e.getValue());
        given.put(prefix + e.getKey(), prefix + e.getKey());
      }
    }
  }

  private static void applyEnv(ObjectNode tree, Map<String, String> env, Map<String, String> given) {
    List<String> unknown = new ArrayList<>();
    // Sorted so the outcome never depends on the environment's iteration order.
    for (Map.Entry<String, String> e : new TreeMap<>(env).entrySet()) {
      String name = e.getKey();
      if (!name.startsWith(ENV_PREFIX) || name.equals("BEACON_HOME") || name.equals("BEACON_OPTS")) {
        continue;
      }
      String path = setByEnv(tree, name.substring(ENV_PREFIX.length()), e.getValue(), "");
      if (path != null) {
        given.put(path, name);
      } else {
        unknown.add(name + ": names no configuration key");
      }
    }
    if (!unknown.isEmpty()) {
      throw new ConfigException(unknown);
    }
  }

  /** Finds the key path whose UPPER_SNAKE spelling equals {@code suffix}, sets it and returns its dotted path. */
  private static String setByEnv(ObjectNode node, String suffix, String value, String prefix) {
    Iterator<Map.Entry<String, JsonNode>> it = node.fields();
    while (it.hasNext()) {
      Map.Entry<String, JsonNode> e = it.next();
      String key = upperSnake(e.getKey());
      if (suffix.equals(key)) {
        JsonNode current = e.getValue();
        if (current instanceof ArrayNode) {
          ArrayNode arr = node.arrayNode();
          for (String part : value.split(",")) {
            if (!part.isBlank()) {
              arr.add(part.trim());
            }
          }
          node.set(e.getKey(), arr);
        } else if (current instanceof ObjectNode) {
          return null;
        } else {
          node.set(e.getKey(), TextNode.valueOf(value));
        }
        return prefix + e.getKey();
      }
      if (suffix.startsWith(key + "_") && e.getValue() instanceof ObjectNode child) {
        String path = setByEnv(child, suffix.substring(key.length() + 1), value, prefix + e.getKey() + ".");
        if (path != null) {
          return path;
        }
      }
    }
    return null;
  }

  static String upperSnake(String camel) {
    return camel.replaceAll("([a-z0-9])([A-Z])", "$1_$2").replace('-', '_').replace('.', '_').toUpperCase(Locale.ROOT);
  }

  private static String path(JsonMappingException e) {
    String p = e.getPath().stream()
        .map(r -> r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]")
        .collect(Collectors.joining("."))
        .replace(".[", "[");
    return p.isEmpty() ? "configuration" : p;
  }

  private static String defaultNodeName() {
    try {
      return InetAddress.getLocalHost().getHostName() + "-" + ProcessHandle.current().pid();
    } catch (IOException e) {
      return "beacon-" + ProcessHandle.current().pid();
    }
  }
}
