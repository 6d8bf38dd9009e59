package dev.isolate.bench;

import dev.isolate.IsolatedCallable;
import dev.isolate.Isolator;
import java.util.Collections;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Predicate;

/**
 * The trivial-call latency (back to back, and paced), worker RSS and throughput of one isolator
 * configuration.
 */
record IsolatedRun(
    Samples trivial,
    Samples paced,
    long workerRssBytes,
    Throughput oneThread,
    Throughput manyThreads) {

  static final int CALLER_THREADS_MANY = 4;

  private static final IsolatedCallable<Integer> TRIVIAL = Workloads.trivial();
  private static final Predicate<Integer> IS_TRIVIAL_RESULT =
      result -> result == Workloads.TRIVIAL_RESULT;

  /** The warm-up of each throughput round, a third of its timed part. */
  static double warmUpSeconds(Settings settings) {
    return settings.seconds() / 3;
  }

  static IsolatedRun measure(Settings settings, String name, Isolator.Builder builder)
      throws Exception {
    Set<Long> before = Processes.workerPids();
    try (Isolator isolator = builder.build()) {
      Samples samples =
          Timing.time(
              () -> isolator.execute(TRIVIAL),
              settings.warmUpCalls(),
              settings.calls(),
              IS_TRIVIAL_RESULT,
              "isolated trivial call, " + name);
      // The newest: an isolator may have replaced its worker image (one that learned a class
      // whose initializer broke fork safety), and the old one exits only once idle.
      long worker =
          Processes.newestWorker(pid -> !before.contains(pid))
              .orElseThrow(
                  () ->
                      new IllegalStateException(
                          "no new worker image among this JVM's children after the calls " + name));
      long rss = Processes.rssBytes(worker);
      Samples paced =
          Timing.timePaced(
              () -> isolator.execute(TRIVIAL),
              settings.calls(),
              Benchmarks.PACE_MILLIS,
              IS_TRIVIAL_RESULT,
              "paced call, " + name);
      Throughput one = throughput(settings, isolator, 1);
      Throughput many = throughput(settings, isolator, CALLER_THREADS_MANY);
      return new IsolatedRun(samples, paced, rss, one, many);
    }
  }

  private static Throughput throughput(Settings settings, Isolator isolator, int threads)
      throws Exception {
    callsFor(isolator, threads, (long) (warmUpSeconds(settings) * 1e9));
    long nanos = (long) (settings.seconds() * 1e9);
    long start = System.nanoTime();
    long calls = callsFor(isolator, threads, nanos);
    return new Throughput(threads, calls, System.nanoTime() - start);
  }

  /** Calls made by {@code threads} threads, each calling until {@code nanos} have passed. */
  private static long callsFor(Isolator isolator, int threads, long nanos) throws Exception {
    ExecutorService callers = Executors.newFixedThreadPool(threads);
    try {
      long deadline = System.nanoTime() + nanos;
      Callable<Long> loop =
          () -> {
            long calls = 0;
            do {
              Timing.check(
                  isolator.execute(TRIVIAL), IS_TRIVIAL_RESULT, "isolated trivial call under load");
              calls++;
            } while (System.nanoTime() - deadline < 0);
            return calls;
          };
      long total = 0;
      for (Future<Long> calls : callers.invokeAll(Collections.nCopies(threads, loop))) {
        total += calls.get();
      }
      return total;
    } finally {
      callers.shutdownNow();
    }
  }
}
