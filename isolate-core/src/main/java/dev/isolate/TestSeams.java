package dev.isolate;

import dev.isolate.internal.host.WorkerLaunch;
import java.time.Duration;
import java.util.List;

/**
 * The settings of an {@link Isolator.Builder} that only tests change: a worker main class that
 * wraps the real system calls, and the time bounds and recycling points that a test shortens to
 * reach a path in seconds rather than hours. Set with {@code Isolator.Builder.seams}.
 */
final class TestSeams {
  /** How long the first call waits for the worker image to start. */
  Duration startTimeout = IsolatorSettings.DEFAULT_START_TIMEOUT;

  /** The worker heap use at which a successor is started. */
  long recycleAtHeapBytes = IsolatorSettings.DEFAULT_RECYCLE_AT_HEAP_BYTES;

  /** The number of calls after which a successor is started. */
  long recycleAfterCalls = IsolatorSettings.DEFAULT_RECYCLE_AFTER_CALLS;

  /** The worker image's main class, and its arguments. */
  String workerMainClass = WorkerLaunch.MAIN_CLASS;

  List<String> workerArguments = List.of();

  /** How long a child may take from fork to its callable. */
  Duration childSetupLimit = IsolatorSettings.DEFAULT_CHILD_SETUP_LIMIT;

  /** How long asleep on a lock before its callable makes a child stuck. */
  Duration childStuckAfter = IsolatorSettings.DEFAULT_CHILD_STUCK_AFTER;

  /** How long a child that has sent its value waits for its output to drain. */
  int childLingerMillis = 1;

  /** Runs the worker image with {@code mainClass} and {@code arguments}. */
  TestSeams workerMain(String mainClass, String... arguments) {
    this.workerMainClass = mainClass;
    this.workerArguments = List.of(arguments);
    return this;
  }
}
