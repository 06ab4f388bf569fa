package io.beacon.infra.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.charset.CharacterCodingException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Secrets read from files: each key of {@link #FILE_KEYS} ({@code xPasswordFile}) names a file whose content
 * becomes the sibling key {@code xPassword}, as Docker and Kubernetes secrets
 * are mounted ({@code BEACON_KAFKA_SASL_PASSWORD_FILE=/run/secrets/kafka_password}). The file keys are removed from
 * the tree once read, so the typed configuration only ever holds the secret, never where it came from.
 *
 * <p>Errors name the key as it was given (the environment variable, or the dotted key of the file) and the path,
 * never the secret: "BEACON_KAFKA_SASL_PASSWORD_FILE /x: no such file".
 */
final class Secrets {
  private Secrets() {}

  /**
   * The keys naming a secret's file (each next to the secret's own key, without "File"). A list, not a naming
   * rule: {@code query.adminPasswordFile} is where the node writes the admin's one-time password, not a secret it
   * reads.
   */
  static final Set<String> FILE_KEYS = Set.of("kafka.sasl.passwordFile", "cassandra.passwordFile",
      "questdb.passwordFile", "cluster.tls.keyStorePasswordFile", "cluster.tls.trustStorePasswordFile",
      "mail.passwordFile");

  /**
   * Reads every non-empty secret file into its sibling key and removes the file keys.
   *
   * @param given the keys the override file or the environment set, dotted path -> their name in errors
   * @throws ConfigException naming every unreadable or empty file, and every secret given both ways
   */
  static void resolve(ObjectNode tree, Map<String, String> given) {
    List<String> problems = new ArrayList<>();
    resolve(tree, "", given, problems);
    if (!problems.isEmpty()) {
      throw new ConfigException(problems);
    }
  }

  private static void resolve(ObjectNode node, String prefix, Map<String, String> given, List<String> problems) {
    List<String> fileKeys = new ArrayList<>();
    Iterator<Map.Entry<String, JsonNode>> it = node.fields();
    while (it.hasNext()) {
      Map.Entry<String, JsonNode> e = it.next();
      if (e.getValue() instanceof ObjectNode child) {
        resolve(child, prefix + e.getKey() + ".", given, problems);
      } else if (FILE_KEYS.contains(prefix + e.getKey())) {
        fileKeys.add(e.getKey());
      }
    }
    for (String fileKey : fileKeys) {
      String secretKey = fileKey.substring(0, fileKey.length() - "File".length());
      String filePath = prefix + fileKey;
      String secretPath = prefix + secretKey;
      JsonNode file = node.remove(fileKey);
      String name = given.getOrDefault(filePath, filePath);
      if (file == null || file.isNull() || file.asText().isBlank()) {
        continue;
      }
      if (!node.has(secretKey)) {
        problems.add(name + ": " + secretPath + " is not a configuration key (broken defaults)");
        continue;
      }
      if (given.containsKey(secretPath) && !node.path(secretKey).asText().isEmpty()) {
        problems.add(name + " and " + given.get(secretPath) + ": give the secret either inline or as a file, not both");
        continue;
      }
      Path path = Path.of(file.asText());
      try {
        String secret = Files.readString(path, StandardCharsets.UTF_8).replaceAll("[\\r\\n]+$", "");
        if (secret.isEmpty()) {
          problems.add(name + " " + path + ": is empty");
        } else {
          node.set(secretKey, TextNode.valueOf(secret));
        }
      } catch (NoSuchFileException e) {
        problems.add(name + " " + path + ": no such file");
      } catch (AccessDeniedException e) {
        problems.add(name + " " + path + ": permission denied");
      } catch (CharacterCodingException e) {
        problems.add(name + " " + path + ": not UTF-8 text");
      } catch (IOException e) {
        // The exception's message is about the file (its path, the OS error), never its content.
        problems.add(name + " " + path + ": cannot read (" + e.getClass().getSimpleName() + ")");
      }
    }
  }
}
