package io.beacon.devstack;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Network partitions of Beacon nodes (issue 18's partition fault). The nodes share this machine's network namespace
 * (they reach the stores on the loopback, as compose's containers reach them by name), so a partition cannot be a
 * namespace's link going down; instead each node runs in a cgroup (v2) of its own from its first instruction, and
 * a partition is a pair of iptables rules dropping every packet of the sockets of that cgroup, in and out: the node
 * reaches nothing (Kafka, Cassandra, QuestDB, the other nodes' Ignite ports) and nothing reaches it (the balancers'
 * health checks and traffic, the other nodes). Healing deletes the two rules; the node's connections resume, or time
 * out and reconnect.
 *
 * <p>Every cgroup is under {@code beacon-rehearsal-<rehearsal JVM pid>}; {@link #removeStale()} deletes the rules
 * and cgroups a SIGKILLed rehearsal left.
 */
final class NodePartitions {
  private static final String PREFIX = "beacon-rehearsal-";
  private static final Path SH = Path.of("/bin/sh");

  private final Path root;
  private final String group;
  private final Set<String> partitioned = ConcurrentHashMap.newKeySet();

  private NodePartitions(Path root) {
    this.root = root;
    this.group = PREFIX + ProcessHandle.current().pid();
  }

  /** Partitions on this machine, or empty (with the reason on {@code why}) without cgroup v2 or iptables. */
  static Optional<NodePartitions> create(StringBuilder why) {
    Optional<Path> root = cgroup2Root();
    if (root.isEmpty()) {
      why.append("no cgroup v2 hierarchy mounted");
      return Optional.empty();
    }
    if (!Files.isExecutable(Path.of("/usr/sbin/iptables")) || !Files.isExecutable(SH)) {
      why.append("/usr/sbin/iptables is not installed");
      return Optional.empty();
    }
    try {
      Files.createDirectories(root.get().resolve(PREFIX + ProcessHandle.current().pid()));
    } catch (IOException e) {
      why.append("cannot create a cgroup: ").append(e.getMessage());
      return Optional.empty();
    }
    return Optional.of(new NodePartitions(root.get()));
  }

  /** Where cgroup v2 is mounted (its own root when {@code /sys/fs/cgroup} is v1 or a hybrid: {@code unified}). */
  static Optional<Path> cgroup2Root() {
    try (Stream<String> mounts = Files.lines(Path.of("/proc/self/mounts"), StandardCharsets.UTF_8)) {
      return mounts.map(l -> l.split(" ")).filter(f -> f.length > 2 && f[2].equals("cgroup2"))
          .map(f -> Path.of(f[1])).findFirst();
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  /** The node's command, joining the node's cgroup before it execs (so every socket it opens belongs to it). */
  List<String> joining(String node, List<String> command) throws IOException {
    Path dir = Files.createDirectories(root.resolve(group).resolve(node));
    List<String> out = new ArrayList<>(List.of(SH.toString(), "-c", "echo $$ > \"$0/cgroup.procs\" && exec \"$@\"",
        dir.toString()));
    out.addAll(command);
    return out;
  }

  /** Cuts {@code node} off: every packet of its sockets dropped, both ways. */
  void partition(String node) throws IOException {
    for (String chain : List.of("INPUT", "OUTPUT")) {
      EdgeNetwork.run(rule("-I", chain, node));
    }
    partitioned.add(node);
  }

  /** Ends the partition of {@code node}. */
  void heal(String node) throws IOException {
    for (String chain : List.of("INPUT", "OUTPUT")) {
      EdgeNetwork.run(rule("-D", chain, node));
    }
    partitioned.remove(node);
  }

  private String[] rule(String op, String chain, String node) {
    return new String[] {"/usr/sbin/iptables", "-w", op, chain, "-m", "cgroup", "--path", group + "/" + node, "-j",
        "DROP"};
  }

  /** Heals every partition and deletes the cgroups (their processes gone). Idempotent, best effort. */
  void remove() {
    for (String node : List.copyOf(partitioned)) {
      try {
        heal(node);
      } catch (IOException e) {
        // already gone
      }
    }
    removeGroup(root.resolve(group));
  }

  /** Rules and cgroups of rehearsal JVMs that no longer run. */
  static void removeStale() {
    Optional<Path> root = cgroup2Root();
    if (root.isEmpty() || !Files.isDirectory(root.get())) {
      return;
    }
    try (Stream<Path> groups = Files.list(root.get())) {
      for (Path g : groups.filter(p -> p.getFileName().toString().startsWith(PREFIX)).toList()) {
        long pid = Long.parseLong(g.getFileName().toString().substring(PREFIX.length()));
        if (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
          continue;
        }
        for (String chain : List.of("INPUT", "OUTPUT")) {
          Matcher m = Pattern.compile("^-A " + chain + " (.*--path " + Pattern.quote(g.getFileName().toString())
              + "/.*)$", Pattern.MULTILINE).matcher(EdgeNetwork.run("/usr/sbin/iptables", "-w", "-S", chain));
          while (m.find()) {
            List<String> delete = new ArrayList<>(List.of("/usr/sbin/iptables", "-w", "-D", chain));
            delete.addAll(List.of(m.group(1).split(" ")));
            EdgeNetwork.run(delete.toArray(String[]::new));
          }
        }
        removeGroup(g);
      }
    } catch (IOException | NumberFormatException e) {
      // best effort: a leftover rule only matches sockets of a cgroup no process is in
    }
  }

  private static void removeGroup(Path g) {
    try (Stream<Path> nodes = Files.list(g)) {
      for (Path n : nodes.filter(Files::isDirectory).toList()) {
        Files.deleteIfExists(n); // rmdir: a cgroup's files go with it; fails while a process is still in it
      }
      Files.deleteIfExists(g);
    } catch (IOException e) {
      // a process still in it (stopped later) or already gone
    }
  }
}
