package io.beacon.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;

/** JavaScript packages a test pins in a package.json and lock file of its own, installed with {@code npm ci}. */
public final class NpmPins {
  private NpmPins() {
  }

  /**
   * Installs the packages pinned in {@code source} (package.json, package-lock.json) into {@code target}, once per
   * checkout: again only when the pins changed (npm ci installs exactly the lock file's versions).
   *
   * @param marker a file the install creates, relative to {@code target}; its absence means "not installed"
   * @return {@code target.resolve(marker)}
   */
  public static Path install(Path source, Path target, String marker) throws Exception {
    Path installed = target.resolve(marker);
    Files.createDirectories(target);
    for (String f : List.of("package.json", "package-lock.json")) {
      Path from = source.resolve(f);
      Path to = target.resolve(f);
      if (!Files.exists(to) || Files.mismatch(from, to) != -1) {
        Files.copy(from, to, StandardCopyOption.REPLACE_EXISTING);
        Files.deleteIfExists(installed);
      }
    }
    if (!Files.exists(installed)) {
      Sh.run(List.of("npm", "ci", "--no-audit", "--no-fund", "--ignore-scripts", "--loglevel=error", "--prefix",
          target.toString()), Map.of());
    }
    return installed;
  }
}
