package dev.isolate.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

/**
 * What one run measures and where it writes, from the command line ({@code --out=...}, {@code
 * --c-source=...}, {@code --build-dir=...}, {@code --quick}) and system properties ({@code
 * bench.quick}, {@code bench.calls}, ...). A blank property means the default: the pom passes every
 * property, set or not.
 */
record Settings(
    boolean quick,
    int calls,
    int freshCalls,
    double seconds,
    int bandwidthCalls,
    int computeCalls,
    int computeMiB,
    int realCallsLearningOff,
    int realCallsLearningOn,
    Path out,
    Path cSource,
    Path buildDir,
    List<String> overrides) {

  /** The command that runs the harness; the report names it with the overrides of this run. */
  static final String COMMAND =
      "mvn -q -DskipTests -Pbench -pl isolate-bench -am package exec:exec";

  /** The compute benchmark's array must fit the children's 512 MiB heap with room to spare. */
  private static final int MAX_COMPUTE_MIB = 256;

  /**
   * Timed calls of each row of the real callables, after its first, on the isolator that does not
   * learn classes: there the logging callable costs about 300 ms a call (the AssertJ one 200 ms,
   * the others 20 to 70 ms), so this side of the section takes about 30 s.
   */
  static final int DEFAULT_REAL_CALLS_LEARNING_OFF = 50;

  /**
   * The same on the isolator that learns, where the real callables cost 10 to 30 ms a call after
   * their first few: more calls for as much time, and a p99 that is not the slowest call.
   */
  static final int DEFAULT_REAL_CALLS_LEARNING_ON = 200;

  /** Counts past this would take days, or overflow the in-process sample array (100 per call). */
  private static final int MAX_CALLS = 1_000_000;

  private static final String USAGE =
      "usage: Benchmarks --out=<BENCHMARKS.md> --c-source=<fork_floor.c> --build-dir=<directory>"
          + " [--quick]";

  Settings {
    overrides = List.copyOf(overrides);
  }

  static Settings parse(String[] args, Properties properties) {
    Path out = null;
    Path cSource = null;
    Path buildDir = null;
    boolean quick = Boolean.parseBoolean(properties.getProperty("bench.quick", "false").strip());
    for (String arg : args) {
      if (arg.equals("--quick")) {
        quick = true;
      } else if (arg.startsWith("--out=")) {
        out = path(arg, "--out=");
      } else if (arg.startsWith("--c-source=")) {
        cSource = path(arg, "--c-source=");
      } else if (arg.startsWith("--build-dir=")) {
        buildDir = path(arg, "--build-dir=");
      } else {
        throw new IllegalArgumentException("unknown argument " + arg + "; " + USAGE);
      }
    }
    if (out == null || cSource == null || buildDir == null) {
      throw new IllegalArgumentException(USAGE);
    }
    List<String> overrides = new ArrayList<>();
    if (quick) {
      overrides.add("-Dbench.quick=true");
    }
    Reader reader = new Reader(properties, overrides);
    return new Settings(
        quick,
        reader.count("bench.calls", quick ? 20 : 1000, MAX_CALLS),
        reader.count("bench.freshCalls", quick ? 3 : 25, MAX_CALLS),
        reader.seconds("bench.seconds", quick ? 0.3 : 3),
        reader.count("bench.bandwidthCalls", quick ? 1 : 5, MAX_CALLS),
        reader.count("bench.computeCalls", quick ? 1 : 3, MAX_CALLS),
        reader.count("bench.computeMiB", quick ? 1 : 64, MAX_COMPUTE_MIB),
        reader.count(
            "bench.realCallsLearningOff", quick ? 2 : DEFAULT_REAL_CALLS_LEARNING_OFF, MAX_CALLS),
        reader.count(
            "bench.realCallsLearningOn", quick ? 3 : DEFAULT_REAL_CALLS_LEARNING_ON, MAX_CALLS),
        out,
        cSource,
        buildDir,
        overrides);
  }

  /** The command of this run, as someone would type it to repeat it. */
  String command() {
    return overrides.isEmpty() ? COMMAND : COMMAND + " " + String.join(" ", overrides);
  }

  /**
   * Warm-up calls before timed ones through an isolator: enough to fill caches and the worker's
   * pool.
   */
  int warmUpCalls() {
    return Math.max(5, calls / 10);
  }

  private static Path path(String arg, String prefix) {
    String value = arg.substring(prefix.length());
    if (value.isBlank()) {
      throw new IllegalArgumentException(prefix + " needs a path; " + USAGE);
    }
    return Path.of(value).toAbsolutePath().normalize();
  }

  /** Reads the numeric properties, noting each one that was set. */
  private record Reader(Properties properties, List<String> overrides) {
    int count(String name, int fallback, int max) {
      String value = properties.getProperty(name, "").strip();
      if (value.isEmpty()) {
        return fallback;
      }
      int count;
      try {
        count = Integer.parseInt(value);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(
            name + " must be a whole number, got '" + value + "'", e);
      }
      if (count < 1 || count > max) {
        throw new IllegalArgumentException(
            name + " must be between 1 and " + max + ", got " + count);
      }
      overrides.add("-D" + name + "=" + count);
      return count;
    }

    double seconds(String name, double fallback) {
      String value = properties.getProperty(name, "").strip();
      if (value.isEmpty()) {
        return fallback;
      }
      double seconds;
      try {
        seconds = Double.parseDouble(value);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(
            name + " must be a number of seconds, got '" + value + "'", e);
      }
      if (!(seconds > 0) || seconds > 3600) {
        throw new IllegalArgumentException(
            name + " must be more than 0 and at most 3600 seconds, got " + value);
      }
      overrides.add("-D" + name + "=" + value);
      return seconds;
    }
  }
}
