package dev.isolate;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

/**
 * Worker images are recycled before their heap fills, restarted when they die, and not retried
 * forever.
 */
@EnabledOnOs(OS.LINUX)
@Timeout(300)
class WorkerLifecycleIT {

  @Test
  void aWorkerImageIsReplacedBetweenCallsWithoutFailingOrDisturbingOne() throws Exception {
    // Recycle as soon as possible: every worker image is replaced once its successor is warm.
    try (Isolator isolator =
        Isolator.builder()
            .seams(seams -> seams.recycleAtHeapBytes = 1)
            .forwardChildOutput(false)
            .build()) {
      Set<Long> workers = new HashSet<>();
      List<CompletableFuture<Void>> callers = new ArrayList<>();
      long[] slowestNanos = new long[2];
      for (int t = 0; t < 2; t++) {
        int caller = t;
        callers.add(
            CompletableFuture.runAsync(
                () -> {
                  for (int i = 0; i < 300; i++) {
                    int n = i;
                    long start = System.nanoTime();
                    try {
                      // A call in flight while its worker image retires still completes.
                      int value =
                          isolator.execute(
                              () -> {
                                if (n % 50 == 0) {
                                  Thread.sleep(300);
                                }
                                return n * 2;
                              });
                      assertThat(value).isEqualTo(n * 2);
                    } catch (MemIsolateException e) {
                      throw new AssertionError("call " + n + " of caller " + caller + " failed", e);
                    }
                    slowestNanos[caller] =
                        Math.max(slowestNanos[caller], System.nanoTime() - start);
                    synchronized (workers) {
                      workers.add(isolator.workerPid());
                    }
                  }
                }));
      }
      CompletableFuture.allOf(callers.toArray(CompletableFuture[]::new)).get();
      assertThat(isolator.workersLaunched()).isGreaterThanOrEqualTo(3);
      assertThat(workers).hasSizeGreaterThanOrEqualTo(3);
      System.out.printf(
          "recycling: %d worker images for 600 calls, slowest call %.1f ms (300 ms of it the"
              + " callable's sleep)%n",
          isolator.workersLaunched(), Math.max(slowestNanos[0], slowestNanos[1]) / 1e6);
      // Retired worker images exit once their calls are done; only the serving one and maybe a
      // starting successor remain.
      long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      while (ProcessTable.children(ProcessHandle.current().pid()).stream()
                  .filter(p -> workers.contains(pidOf(p)))
                  .count()
              > 2
          && System.nanoTime() < deadline) {
        Thread.sleep(50);
      }
      assertThat(
              ProcessTable.children(ProcessHandle.current().pid()).stream()
                  .filter(p -> workers.contains(pidOf(p))))
          .hasSizeLessThanOrEqualTo(2);
    }
  }

  private static long pidOf(String child) {
    return Long.parseLong(child.substring(0, child.indexOf(':')));
  }

  @Test
  void repeatedStartFailuresAreReportedWithTheWorkersStderrAndThenSpacedOut() {
    try (Isolator broken =
        Isolator.builder()
            .jvmOptions(List.of("-XX:+NoSuchOptionAnywhere"))
            .forwardChildOutput(false)
            .build()) {
      for (int attempt = 1; attempt <= 3; attempt++) {
        MemIsolateException e = Failures.of(() -> broken.execute(() -> 1));
        assertThat(e.reason()).isEqualTo(Reason.WORKER_START_FAILED);
        assertThat(e.category()).isEqualTo(Category.DID_NOT_EXECUTE);
        assertThat(e).hasMessageContaining("NoSuchOptionAnywhere");
      }
      assertThat(broken.workersLaunched()).isEqualTo(3);

      MemIsolateException spaced = Failures.of(() -> broken.execute(() -> 1));
      assertThat(spaced.reason()).isEqualTo(Reason.WORKER_START_FAILED);
      assertThat(spaced)
          .hasMessageContaining("failed to start 3 times in a row; the next attempt is in")
          .hasMessageContaining("NoSuchOptionAnywhere");
      // Refused without starting a fourth JVM.
      assertThat(broken.workersLaunched()).isEqualTo(3);
    }
  }
}
