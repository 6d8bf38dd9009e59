package dev.isolate.examples;

import dev.isolate.Isolator;
import dev.isolate.MemIsolateException;
import dev.isolate.Retry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * Retry keyed on the category of the failure: an idempotent parse that crashes on its first run is
 * retried; a payment that throws after charging is not; a call refused because the isolator was
 * full did not run, so it is retried even though it is not idempotent.
 *
 * <p>Run it with {@code mvn -q -DskipTests package exec:exec -Dexample=RetryExample}.
 */
public final class RetryExample {
  private RetryExample() {}

  public static void main(String[] args) throws Exception {
    Path scratch = Files.createTempDirectory("isolate-retry-example");
    String runs = scratch.resolve("runs").toString();
    try (Isolator isolator = Isolator.builder().forwardChildOutput(false).build()) {
      // 1. Idempotent: the first run segfaults in native code, the second parses.
      String parsed =
          Retry.idempotent()
              .onRetry(
                  (attempt, failure) ->
                      System.out.println(
                          "parse attempt " + attempt + " failed: " + failure.reason()))
              .execute(
                  isolator,
                  () -> {
                    int run = countRun(runs);
                    if (run == 1) {
                      CrashyNativeLibrary.segfault();
                    }
                    return "parsed on run " + run;
                  });
      System.out.println("idempotent parse: " + parsed);

      // 2. Not idempotent: it threw after its side effect; running it again could charge twice.
      try {
        Retry.notIdempotent()
            .onRetry((attempt, failure) -> System.out.println("never printed: " + failure.reason()))
            .execute(
                isolator,
                () -> {
                  Files.writeString(
                      Path.of(runs + ".charged"),
                      "charged\n",
                      StandardOpenOption.CREATE,
                      StandardOpenOption.APPEND);
                  throw new IllegalStateException("the receipt printer jammed");
                });
      } catch (MemIsolateException e) {
        System.out.println(
            "payment not retried: "
                + e.category()
                + " "
                + e.reason()
                + ", charged "
                + Files.readAllLines(Path.of(runs + ".charged")).size()
                + " time(s)");
      }
    }

    // 3. Refused by a full isolator: the callable did not run, so even a payment may be retried.
    try (Isolator single =
        Isolator.builder()
            .maxConcurrentCalls(1)
            .maxQueuedCalls(0)
            .forwardChildOutput(false)
            .build()) {
      Path started = scratch.resolve("busy-started");
      String startedPath = started.toString();
      CompletableFuture<Integer> busy =
          single.submit(
              () -> {
                Files.writeString(Path.of(startedPath), "started");
                Thread.sleep(300);
                return 0;
              });
      // The payment is tried while the one slot is taken: once the busy call runs, however long
      // its worker image took to start.
      long giveUp = System.nanoTime() + 60_000_000_000L;
      while (!Files.exists(started) && System.nanoTime() < giveUp) {
        Thread.sleep(10);
      }
      String charged =
          Retry.notIdempotent()
              .attempts(20)
              .backoff(Duration.ofMillis(25), Duration.ofMillis(100))
              .onRetry(
                  (attempt, failure) ->
                      System.out.println(
                          "payment attempt " + attempt + " refused: " + failure.reason()))
              .execute(single, () -> "charged once");
      busy.get();
      System.out.println("payment after the refusals: " + charged);
    }
    System.out.println("the caller JVM is still alive (pid " + ProcessHandle.current().pid() + ")");
    try (var files = Files.list(scratch)) {
      for (Path file : files.toList()) {
        Files.delete(file);
      }
    }
    Files.delete(scratch);
  }

  /**
   * Appends a line to {@code file} and returns how many it now has: a run counter that children
   * share.
   */
  private static int countRun(String file) throws java.io.IOException {
    Files.writeString(Path.of(file), "run\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    return Files.readAllLines(Path.of(file)).size();
  }
}
