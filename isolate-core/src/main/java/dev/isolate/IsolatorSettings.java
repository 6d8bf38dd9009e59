package dev.isolate;

import dev.isolate.internal.wire.CallLimits;
import dev.isolate.internal.wire.SandboxRules;
import dev.isolate.internal.wire.WorkerSettings;
import java.io.IOException;
import java.io.ObjectInputFilter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;

/**
 * Everything an {@link Isolator} is built from, checked and immutable: what {@link
 * Isolator.Builder} produces. The checks that the builder's setters make are here, so that the
 * builder stays a list of settings.
 */
record IsolatorSettings(
    Duration timeout,
    long maxHeapBytes,
    long maxNativeMemoryBytes,
    long cpuSeconds,
    List<String> jvmOptions,
    boolean inheritJvmOptions,
    List<Path> classPath,
    boolean learnClasses,
    List<String> preloadClasses,
    Sandbox sandbox,
    boolean forwardChildOutput,
    ObjectInputFilter resultFilter,
    long maxResultBytes,
    long maxOutputBytes,
    int keepCrashReports,
    Path crashDirectory,
    int preforkedChildren,
    int maxConcurrentCalls,
    int maxQueuedCalls,
    CallListener listener,
    Duration startTimeout,
    long recycleAtHeapBytes,
    long recycleAfterCalls,
    String workerMainClass,
    List<String> workerArguments,
    Duration childSetupLimit,
    Duration childStuckAfter,
    int childLingerMillis) {

  static final long MIB = 1024L * 1024;

  /** Heap the worker image keeps for itself on top of the children's budget. */
  static final long WORKER_HEAP_RESERVE = 128 * MIB;

  /**
   * Options that would bring back a JIT compiler or a collecting GC, each of which hangs forked
   * children.
   */
  private static final List<String> FORK_UNSAFE_OPTION_PREFIXES =
      List.of(
          "-Xmixed",
          "-Xcomp",
          "-Xbatch",
          "-XX:+UseSerialGC",
          "-XX:+UseParallelGC",
          "-XX:+UseG1GC",
          "-XX:+UseZGC",
          "-XX:+UseShenandoahGC",
          "-XX:-UseEpsilonGC",
          "-XX:+BackgroundCompilation");

  static final long DEFAULT_HEAP_BYTES = 512 * MIB;

  /** Room for a 64 MiB byte array and its encoding, well inside a 256 MiB caller's heap. */
  static final long DEFAULT_MAX_RESULT_BYTES = 128 * MIB;

  static final long DEFAULT_MAX_OUTPUT_BYTES = 16 * MIB;

  /** How long the first call waits for the worker image to start. */
  static final Duration DEFAULT_START_TIMEOUT = Duration.ofSeconds(60);

  /** The worker heap use at which a successor is started: half its reserve. */
  static final long DEFAULT_RECYCLE_AT_HEAP_BYTES = WORKER_HEAP_RESERVE / 2;

  /**
   * What the worker image allocates per call (some hundreds of bytes of heap, a little native
   * memory) is never given back; replacing it every so many calls keeps its memory flat, for the
   * price of a JVM start in the background.
   */
  static final long DEFAULT_RECYCLE_AFTER_CALLS = 10_000;

  /**
   * How long a child may take from fork to its callable: normally milliseconds. Past it, the child
   * is stuck in the library's own code (on a lock a vanished thread of the worker held at fork
   * time, say), and it is killed rather than left to hang a call that has no timeout.
   */
  static final Duration DEFAULT_CHILD_SETUP_LIMIT = Duration.ofSeconds(30);

  /** See {@code ChildWatch}: a child asleep on a lock this long before its callable is stuck. */
  static final Duration DEFAULT_CHILD_STUCK_AFTER = Duration.ofSeconds(5);

  /** The settings {@code builder} holds, checked together. */
  static IsolatorSettings from(Isolator.Builder builder) {
    return new IsolatorSettings(
            builder.timeout,
            builder.maxHeapBytes,
            builder.maxNativeMemoryBytes,
            builder.cpuSeconds,
            builder.jvmOptions,
            builder.inheritJvmOptions,
            builder.classPath,
            builder.learnClasses,
            builder.preloadClasses,
            builder.sandbox,
            builder.forwardChildOutput,
            builder.resultFilter,
            builder.maxResultBytes,
            builder.maxOutputBytes,
            builder.keepCrashReports,
            builder.crashDirectory,
            builder.preforkedChildren,
            builder.maxConcurrentCalls,
            builder.maxQueuedCalls,
            builder.listener,
            builder.seams.startTimeout,
            builder.seams.recycleAtHeapBytes,
            builder.seams.recycleAfterCalls,
            builder.seams.workerMainClass,
            builder.seams.workerArguments,
            builder.seams.childSetupLimit,
            builder.seams.childStuckAfter,
            builder.seams.childLingerMillis)
        .checkedTogether();
  }

  /** The worker image's heap: the children's budget plus its own reserve. */
  long workerHeapBytes() {
    return maxHeapBytes + WORKER_HEAP_RESERVE;
  }

  /**
   * What the worker image is told in its first frame; of {@link #preloadClasses}, those {@code
   * refused} does not name (an earlier worker image found them to break fork safety); children
   * whose sandbox is read-only may still write their crash reports into {@code crashDirectory}.
   */
  WorkerSettings worker(Set<String> refused, Path crashDirectory) {
    List<String> preload = new ArrayList<>();
    for (String name : preloadClasses) {
      if (!refused.contains(name)) {
        preload.add(name);
      }
    }
    return new WorkerSettings(
        preforkedChildren,
        childSetupLimit.toNanos(),
        childStuckAfter.toNanos(),
        childLingerMillis,
        maxOutputBytes,
        learnClasses,
        preload,
        sandboxRules(crashDirectory));
  }

  private SandboxRules sandboxRules(Path crashDirectory) {
    if (sandbox.isNone()) {
      return SandboxRules.NONE;
    }
    List<String> writable = new ArrayList<>();
    for (Path path : sandbox.writablePaths().orElse(List.of())) {
      writable.add(path.toString());
    }
    writable.add(crashDirectory.toAbsolutePath().normalize().toString());
    return new SandboxRules(
        true,
        sandbox.deniesNetwork(),
        sandbox.writablePaths().isPresent(),
        writable,
        sandbox.deniesExec());
  }

  /**
   * Creates the crash directory, if one is set, and the isolator's temporary directory, which it
   * returns: the agent jar goes there, and crash reports when no crash directory is set.
   *
   * @throws IllegalArgumentException if the crash directory cannot be created
   */
  Path createDirectories() {
    if (crashDirectory != null) {
      try {
        Files.createDirectories(crashDirectory);
      } catch (IOException e) {
        throw new IllegalArgumentException(
            "crashDirectory " + crashDirectory + " cannot be created: " + e, e);
      }
    }
    try {
      return Files.createTempDirectory("isolate-");
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot create the isolator's temporary directory: " + e.getMessage(), e);
    }
  }

  /** A count between {@code min} and {@code max}, checked. */
  static int checkedCount(String setting, int count, int min, int max) {
    if (count < min || count > max) {
      throw new IllegalArgumentException(
          setting
              + (max == Integer.MAX_VALUE
                  ? (min == 0 ? " must not be negative" : " must be at least " + min)
                  : " must be between " + min + " and " + max)
              + ", got "
              + count);
    }
    return count;
  }

  /** The limits of one call: {@code callTimeout} (null for none) and this isolator's own. */
  CallLimits limits(Duration callTimeout) {
    return new CallLimits(
        callTimeout == null ? 0 : callTimeout.toNanos(),
        maxNativeMemoryBytes,
        cpuSeconds,
        maxResultBytes);
  }

  static long checkedNativeMemory(long bytes) {
    if (bytes < MIB) {
      throw new IllegalArgumentException(
          "maxNativeMemoryBytes must be at least 1 MiB (1048576), got " + bytes);
    }
    return bytes;
  }

  /** A byte bound between 1 KiB and 1 GiB, checked. */
  static long checkedBound(String setting, long bytes) {
    if (bytes < 1024 || bytes > 1024 * MIB) {
      throw new IllegalArgumentException(
          setting + " must be between 1 KiB (1024) and 1 GiB (1073741824), got " + bytes);
    }
    return bytes;
  }

  /** A per-call timeout, checked. */
  static Duration checkedTimeout(Duration timeout) {
    Objects.requireNonNull(timeout, "timeout");
    if (timeout.isZero() || timeout.isNegative()) {
      throw new IllegalArgumentException("timeout must be positive, got " + timeout);
    }
    try {
      timeout.toNanos();
    } catch (ArithmeticException e) {
      throw new IllegalArgumentException(
          "timeout must be at most 292 years (Long.MAX_VALUE ns), got " + timeout, e);
    }
    return timeout;
  }

  /** The Java heap of each child, checked. */
  static long checkedHeap(long bytes) {
    if (bytes < 16 * MIB) {
      throw new IllegalArgumentException(
          "maxHeapBytes must be at least 16 MiB (16777216), got " + bytes);
    }
    if (bytes > Long.MAX_VALUE / 2 - WORKER_HEAP_RESERVE) {
      throw new IllegalArgumentException(
          "maxHeapBytes "
              + bytes
              + " is too large: with the worker's reserve of "
              + WORKER_HEAP_RESERVE
              + " bytes it overflows a JVM heap size");
    }
    return bytes;
  }

  /** A CPU-time limit in whole seconds, rounded up, checked. */
  static long checkedCpuSeconds(Duration perCall) {
    Objects.requireNonNull(perCall, "perCall");
    if (perCall.isZero() || perCall.isNegative()) {
      throw new IllegalArgumentException("maxCpuTime must be positive, got " + perCall);
    }
    long seconds = perCall.getSeconds() + (perCall.getNano() > 0 ? 1 : 0);
    if (seconds > Integer.MAX_VALUE) {
      throw new IllegalArgumentException(
          "maxCpuTime must be at most " + Integer.MAX_VALUE + " seconds, got " + perCall);
    }
    return seconds;
  }

  /** Extra JVM options, checked: none may bring back a JIT compiler or a collecting GC. */
  static List<String> checkedJvmOptions(List<String> extra) {
    Objects.requireNonNull(extra, "extra");
    for (String option : extra) {
      Objects.requireNonNull(option, "jvmOptions must not contain null");
      for (String unsafe : FORK_UNSAFE_OPTION_PREFIXES) {
        if (option.startsWith(unsafe)) {
          throw new IllegalArgumentException(
              "jvmOptions: "
                  + option
                  + " brings back a JIT compiler or a collecting GC, and a"
                  + " child forked from such a JVM can hang; the worker image runs -Xint with"
                  + " Epsilon on purpose");
        }
      }
    }
    return List.copyOf(extra);
  }

  /** Checks how the settings combine: a heap option must leave room for the children's budget. */
  IsolatorSettings checkedTogether() {
    for (String option : jvmOptions) {
      long heap = heapOption(option);
      if (heap >= 0 && heap < workerHeapBytes()) {
        throw new IllegalArgumentException(
            "jvmOptions: "
                + option
                + " gives the worker image a heap of "
                + heap
                + " bytes, below maxHeapBytes "
                + maxHeapBytes
                + " plus its reserve of "
                + WORKER_HEAP_RESERVE
                + " ("
                + workerHeapBytes()
                + "); drop the option and set maxHeapBytes instead");
      }
    }
    return this;
  }

  /** The bytes an {@code -Xmx} or {@code -XX:MaxHeapSize} option sets, or -1 for other options. */
  private static long heapOption(String option) {
    String value;
    if (option.startsWith("-Xmx")) {
      value = option.substring(4);
    } else if (option.startsWith("-XX:MaxHeapSize=")) {
      value = option.substring("-XX:MaxHeapSize=".length());
    } else {
      return -1;
    }
    String lower = value.toLowerCase(Locale.ROOT);
    long unit =
        switch (lower.isEmpty() ? ' ' : lower.charAt(lower.length() - 1)) {
          case 'k' -> 1024;
          case 'm' -> MIB;
          case 'g' -> 1024 * MIB;
          case 't' -> 1024 * 1024 * MIB;
          default -> 1;
        };
    String digits = unit == 1 ? lower : lower.substring(0, lower.length() - 1);
    try {
      return Math.multiplyExact(Long.parseLong(digits), unit);
    } catch (NumberFormatException | ArithmeticException e) {
      throw new IllegalArgumentException("jvmOptions: cannot read the heap size in " + option, e);
    }
  }
}
