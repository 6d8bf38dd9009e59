package dev.isolate.examples;

import dev.isolate.Isolator;
import dev.isolate.MemIsolateException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * Fans out 200 isolated calls at once with {@code submit}, some of which crash in native code, and
 * gathers the outcomes: the submitting thread is never held while children run, at most {@code
 * maxConcurrentCalls} children run at a time, and each crash costs only its own call.
 *
 * <p>Run it with {@code mvn -q -DskipTests package exec:exec -Dexample=AsyncFanOut}.
 */
public final class AsyncFanOut {
  private AsyncFanOut() {}

  public static void main(String[] args) throws Exception {
    int calls = 200;
    try (Isolator isolator =
        Isolator.builder().maxConcurrentCalls(4).forwardChildOutput(false).build()) {
      long start = System.nanoTime();
      List<CompletableFuture<Long>> futures = new ArrayList<>();
      for (int i = 0; i < calls; i++) {
        long n = i;
        futures.add(
            isolator.submit(
                () -> {
                  if (n % 20 == 7) {
                    return CrashyNativeLibrary.segfault();
                  }
                  if (n % 50 == 13) {
                    CrashyNativeLibrary.abort();
                  }
                  return n * n;
                }));
      }
      long submitted = System.nanoTime();
      Map<String, Integer> outcomes = new TreeMap<>();
      long sum = 0;
      for (CompletableFuture<Long> future : futures) {
        try {
          sum += future.join();
          outcomes.merge("returned", 1, Integer::sum);
        } catch (CompletionException e) {
          MemIsolateException failure = (MemIsolateException) e.getCause();
          outcomes.merge(failure.category() + " " + failure.reason(), 1, Integer::sum);
        }
      }
      long done = System.nanoTime();
      System.out.printf(
          "submit returned for all %d calls after %.0f ms; the last of them ended %.0f ms later%n",
          calls, (submitted - start) / 1e6, (done - submitted) / 1e6);
      outcomes.forEach((outcome, count) -> System.out.println("  " + outcome + ": " + count));
      System.out.println("sum of the squares that came back: " + sum);
    }
    System.out.println("the caller JVM is still alive (pid " + ProcessHandle.current().pid() + ")");
  }
}
