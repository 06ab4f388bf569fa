package io.beacon.devstack;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The rehearsal's edge network: a private /24 that exists only while the rehearsal runs, made of network
 * namespaces joined by a bridge (as {@code KeepalivedTest} does): one namespace per load balancer, each with
 * its {@code eth0} (the interface name keepalived's params file names), and a veth into this machine's own
 * namespace carrying {@link #HOST}, where the Beacon nodes listen and the clients (the smoke check, the load
 * generator) send from. The load balancers share the VIP by VRRP over the bridge; the host reaches it like any
 * client on the LAN, and the balancers reach the nodes on {@link #HOST}.
 *
 * <p>Every name carries the rehearsal JVM's PID, so a leftover of a killed run ({@link #removeStale()}) is told
 * apart from a running one. Needs root (CAP_NET_ADMIN), as KeepalivedTest does.
 */
final class EdgeNetwork {
  static final String SUBNET = "10.213.79.";
  /** This machine's address on the edge network: the Beacon nodes' HTTP listeners, the clients' source. */
  static final String HOST = SUBNET + "1";
  static final String VIP = SUBNET + "10";
  /** The balancers' addresses fall in this range (.8-.15), the host's does not: the nodes' trusted proxies. */
  static final String BALANCERS_CIDR = SUBNET + "8/29";
  static final String PREFIX = "brh";

  private final String tag;
  private final String bridge;
  private final String hostVeth;
  private final List<String> balancers = new ArrayList<>();
  private boolean created;

  EdgeNetwork(int balancerCount) {
    tag = PREFIX + ProcessHandle.current().pid();
    bridge = tag + "-br";
    hostVeth = "brh" + (ProcessHandle.current().pid() % 100_000) + "h";
    for (int i = 1; i <= balancerCount; i++) {
      balancers.add(tag + "-lb" + i);
    }
  }

  /** The namespace of balancer {@code i} (1-based). */
  String namespace(int i) {
    return balancers.get(i - 1);
  }

  /** The address of balancer {@code i} (1-based) on the edge network: .11, .12, ... */
  static String balancerAddress(int i) {
    return SUBNET + (10 + i);
  }

  /** Whether this machine is set up for it: root, and ip/keepalived/haproxy installed. */
  static String unavailable() {
    if (!"root".equals(System.getProperty("user.name"))) {
      return "the edge (network namespaces) needs root";
    }
    for (String tool : List.of("/usr/sbin/ip", "/usr/sbin/haproxy", "/usr/sbin/keepalived", "/usr/bin/curl")) {
      if (!java.nio.file.Files.isExecutable(java.nio.file.Path.of(tool))) {
        return tool + " is not installed (apt-get install iproute2 haproxy keepalived curl)";
      }
    }
    return null;
  }

  /** Removes namespaces left by a rehearsal JVM that no longer runs (SIGKILLed: no hook removed them). */
  static void removeStale() throws IOException {
    Matcher m = Pattern.compile("^(" + PREFIX + "(\\d+))-\\S+", Pattern.MULTILINE).matcher(run("ip", "netns", "list"));
    List<String> stale = new ArrayList<>();
    while (m.find()) {
      long pid = Long.parseLong(m.group(2));
      if (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
        continue;
      }
      stale.add(m.group(0));
    }
    for (String ns : stale) {
      runQuietly("ip", "netns", "delete", ns);
    }
  }

  /** Creates the namespaces, the bridge and the veths; fails if another rehearsal holds the subnet. */
  synchronized void create() throws IOException {
    if (run("ip", "-4", "-o", "addr", "show").contains(" " + HOST + "/")) {
      throw new LocalStackException(HOST + " is already on an interface of this machine: is another rehearsal "
          + "running? (ip -4 addr show; ip netns list)");
    }
    created = true;
    List<String> all = new ArrayList<>(balancers);
    all.add(0, bridge);
    for (String ns : all) {
      run("ip", "netns", "add", ns);
      run("ip", "-n", ns, "link", "set", "lo", "up");
    }
    run("ip", "-n", bridge, "link", "add", "br0", "type", "bridge");
    run("ip", "-n", bridge, "link", "set", "br0", "up");
    for (int i = 1; i <= balancers.size(); i++) {
      String ns = namespace(i);
      String inner = hostVeth + "i" + i;
      String outer = hostVeth + "o" + i;
      run("ip", "link", "add", inner, "netns", ns, "type", "veth", "peer", "name", outer, "netns", bridge);
      run("ip", "-n", bridge, "link", "set", outer, "master", "br0", "up");
      run("ip", "-n", ns, "link", "set", inner, "name", "eth0");
      run("ip", "-n", ns, "addr", "add", balancerAddress(i) + "/24", "dev", "eth0");
      run("ip", "-n", ns, "link", "set", "eth0", "up");
    }
    // This machine's leg: one end here, the other on the bridge.
    run("ip", "link", "add", hostVeth, "type", "veth", "peer", "name", hostVeth + "b", "netns", bridge);
    run("ip", "-n", bridge, "link", "set", hostVeth + "b", "master", "br0", "up");
    run("ip", "addr", "add", HOST + "/24", "dev", hostVeth);
    run("ip", "link", "set", hostVeth, "up");
  }

  /** Which balancer (1-based) holds the VIP now, 0 if none, -1 if more than one (split brain). */
  int vipHolder() throws IOException {
    int holder = 0;
    for (int i = 1; i <= balancers.size(); i++) {
      if (run("ip", "-n", namespace(i), "-4", "-o", "addr", "show", "dev", "eth0").contains(" " + VIP + "/")) {
        holder = holder == 0 ? i : -1;
      }
    }
    return holder;
  }

  /** Deletes the namespaces (and with them every veth, the host's too). Idempotent. */
  synchronized void remove() {
    if (!created) {
      return;
    }
    List<String> all = new ArrayList<>(balancers);
    all.add(bridge);
    for (String ns : all) {
      runQuietly("ip", "netns", "delete", ns);
    }
    runQuietly("ip", "link", "delete", hostVeth);
    created = false;
  }

  /** {@code ip netns exec <ns>} in front of a command. */
  List<String> inNamespace(int balancer, List<String> command) {
    List<String> out = new ArrayList<>(List.of("/usr/sbin/ip", "netns", "exec", namespace(balancer)));
    out.addAll(command);
    return out;
  }

  static String run(String... command) throws IOException {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    p.getOutputStream().close();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    try {
      if (!p.waitFor(30, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IOException(String.join(" ", command) + " did not finish in 30 s");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted: " + String.join(" ", command), e);
    }
    if (p.exitValue() != 0) {
      throw new IOException(String.join(" ", command) + " failed (" + p.exitValue() + "): " + out.strip());
    }
    return out;
  }

  private static void runQuietly(String... command) {
    try {
      run(command);
    } catch (IOException e) {
      // best effort (already gone)
    }
  }
}
