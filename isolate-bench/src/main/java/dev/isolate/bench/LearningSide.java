package dev.isolate.bench;

import dev.isolate.Isolator;
import java.io.IOException;
import java.util.Set;

/**
 * One of the two isolators of {@link RealCallables}, learning classes or not: its worker image,
 * what its start-up call cost, and how many calls each row times on it.
 */
final class LearningSide implements AutoCloseable {
  /**
   * What follows an RSS figure read from another worker image than the one that served the start-up
   * call: the isolator has replaced it since.
   */
  static final String REPLACED = " (a successor worker image)";

  final String name;
  final Isolator isolator;

  /** Timed calls of each row on this side, after the row's first call. */
  final int calls;

  final long startNanos;
  final long startRssBytes;
  private final long workerPid;
  private final String argumentFile;

  private LearningSide(
      String name,
      Isolator isolator,
      int calls,
      long startNanos,
      long startRssBytes,
      long workerPid,
      String argumentFile) {
    this.name = name;
    this.isolator = isolator;
    this.calls = calls;
    this.startNanos = startNanos;
    this.startRssBytes = startRssBytes;
    this.workerPid = workerPid;
    this.argumentFile = argumentFile;
  }

  /**
   * Builds the isolator and times its first call, which waits for the worker image to start.
   *
   * @throws IllegalStateException if that call fails: an isolator that cannot run {@code () ->
   *     true} has nothing to compare
   */
  static LearningSide start(String name, Isolator.Builder builder, int calls) throws Exception {
    Set<Long> before = Processes.workerPids();
    long start = System.nanoTime();
    Isolator isolator = builder.build();
    try {
      Timing.check(
          isolator.execute(RealWorkloads.Startup.ready()),
          Boolean.TRUE::equals,
          "start-up call, " + name);
      long nanos = System.nanoTime() - start;
      long pid =
          Processes.newestWorker(worker -> !before.contains(worker))
              .orElseThrow(() -> new IllegalStateException("no new worker image, " + name));
      String argumentFile =
          Processes.argumentFile(pid)
              .orElseThrow(
                  () ->
                      new IllegalStateException(
                          "no @argument-file in the command line of worker image " + pid));
      return new LearningSide(
          name, isolator, calls, nanos, Processes.rssBytes(pid), pid, argumentFile);
    } catch (Exception | Error e) {
      isolator.close();
      throw e;
    }
  }

  /**
   * The cell of the RSS of the isolator's worker image now: the newest with its argument file,
   * followed by {@link #REPLACED} if that is no longer the one that served the start-up call, or a
   * failure if none is alive.
   */
  String rssNowCell() {
    return Processes.newestWorker(worker -> Processes.commandLine(worker).contains(argumentFile))
        .map(
            pid -> {
              try {
                return Format.mib(Processes.rssBytes(pid)) + (pid == workerPid ? "" : REPLACED);
              } catch (IOException exited) {
                return Outcome.FAILED + "worker image " + pid + " exited";
              }
            })
        .orElse(Outcome.FAILED + "no live worker image");
  }

  @Override
  public void close() {
    isolator.close();
  }
}
