package io.beacon.devstack;

import java.io.IOException;
import java.util.List;

/**
 * A server of the rehearsal that is not a JVM (HAProxy, keepalived, Prometheus from Debian packages): no
 * classpath, its own command line. Spawned, probed, stopped and killed like every other {@link ServerProcess}.
 */
abstract class NativeServer extends ServerProcess {

  NativeServer(String name, java.nio.file.Path beaconHome, java.nio.file.Path home, java.nio.file.Path logFile) {
    super(name, name, beaconHome, home, logFile);
  }

  /** Ready when {@code url} answers 200 (1 s to connect, 3 s to answer): the Debian servers' HTTP endpoints. */
  protected static Probe httpOk(String url) {
    java.net.http.HttpClient client = java.net.http.HttpClient.newBuilder()
        .connectTimeout(java.time.Duration.ofSeconds(1)).build();
    java.net.http.HttpRequest request = java.net.http.HttpRequest.newBuilder(java.net.URI.create(url))
        .timeout(java.time.Duration.ofSeconds(3)).build();
    return () -> {
      int status = client.send(request, java.net.http.HttpResponse.BodyHandlers.discarding()).statusCode();
      if (status != 200) {
        throw new IllegalStateException(url + " answered " + status);
      }
    };
  }

  /** The command line ({@code setpriv --pdeathsig} is added in front of it). */
  protected abstract List<String> nativeCommand() throws IOException;

  @Override
  protected final List<String> command(String classpath) throws IOException {
    return nativeCommand();
  }

  @Override
  protected final String resolveClasspath() {
    return "";
  }

  @Override
  protected final List<String> jvmOptions() {
    return List.of();
  }

  @Override
  protected final String mainClass() {
    return "";
  }

  @Override
  protected final List<String> arguments() {
    return List.of();
  }
}
