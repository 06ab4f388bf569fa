package io.beacon.devstack;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.filter.ThresholdFilter;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.FileAppender;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code beacon up}'s console: its own progress lines and errors only. Everything the node logs (Ignite's start-up,
 * Kafka's and Cassandra's clients, Beacon's own INFO and WARN) goes to one file beside the servers' logs, where a
 * newcomer does not have to read it to find the dashboard's address and how to log in.
 */
final class QuietConsole {
  private static final String PATTERN = "%d{HH:mm:ss.SSS} %-5level [%thread] %logger{20} - %msg%n";

  private QuietConsole() {
  }

  /** Sends this JVM's logging to {@code file} (appended), errors also to the console. Call before anything logs. */
  static void logTo(Path file) {
    // Ignite's "quiet" mode prints its start-up and topology lines straight to stdout; not quiet, they go through
    // the logger (below: to the file).
    System.setProperty("IGNITE_QUIET", "false");
    LoggerContext ctx = (LoggerContext) LoggerFactory.getILoggerFactory();
    ctx.reset();
    FileAppender<ILoggingEvent> toFile = new FileAppender<>();
    toFile.setContext(ctx);
    toFile.setName("file");
    toFile.setFile(file.toString());
    toFile.setAppend(true);
    toFile.setEncoder(encoder(ctx, PATTERN));
    toFile.start();
    ConsoleAppender<ILoggingEvent> errors = new ConsoleAppender<>();
    errors.setContext(ctx);
    errors.setName("console-errors");
    errors.setTarget("System.err");
    errors.setEncoder(encoder(ctx, "%d{HH:mm:ss} %-5level %logger{20} - %msg%n"));
    ThresholdFilter onlyErrors = new ThresholdFilter();
    onlyErrors.setLevel(Level.ERROR.levelStr);
    onlyErrors.start();
    errors.addFilter(onlyErrors);
    errors.start();
    ch.qos.logback.classic.Logger root = ctx.getLogger(Logger.ROOT_LOGGER_NAME);
    root.setLevel(Level.INFO);
    root.addAppender(toFile);
    root.addAppender(errors);
    // The same levels as the node's logback.xml.
    for (String noisy : new String[] {"org.apache.ignite", "org.apache.kafka", "com.datastax", "io.netty"}) {
      ctx.getLogger(noisy).setLevel(Level.WARN);
    }
  }

  private static PatternLayoutEncoder encoder(LoggerContext ctx, String pattern) {
    PatternLayoutEncoder e = new PatternLayoutEncoder();
    e.setContext(ctx);
    e.setPattern(pattern);
    e.start();
    return e;
  }
}
