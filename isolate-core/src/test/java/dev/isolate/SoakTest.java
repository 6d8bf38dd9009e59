package dev.isolate;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

/**
 * 100 000 trivial calls on one isolator, as a service would make over weeks: none fails, and the
 * worker image's memory stays flat because it is recycled before its heap fills. Tagged "soak":
 * about ten minutes on two cores, run with {@code mvn -pl isolate-core -am -Psoak test}.
 */
@EnabledOnOs(OS.LINUX)
@Tag("soak")
@Timeout(3600)
class SoakTest {
  private static final int CALLERS = 2;
  private static final int CALLS_PER_CALLER = Integer.getInteger("isolate.soak.calls", 100_000) / CALLERS;

  @Test
  void hundredThousandCallsOnOneIsolatorNeitherFailNorGrowTheWorker() throws Exception {
    try (Isolator isolator = Isolator.builder().forwardChildOutput(false).build()) {
      isolator.execute(() -> 0);
      AtomicLong slowestNanos = new AtomicLong();
      List<String> samples = new ArrayList<>();
      long start = System.nanoTime();
      List<CompletableFuture<Void>> callers = new ArrayList<>();
      for (int t = 0; t < CALLERS; t++) {
        int caller = t;
        callers.add(
            CompletableFuture.runAsync(
                () -> {
                  for (int i = 0; i < CALLS_PER_CALLER; i++) {
                    int n = i;
                    long callStart = System.nanoTime();
                    try {
                      assertThat(isolator.execute(() -> n)).isEqualTo(n);
                    } catch (MemIsolateException e) {
                      throw new AssertionError("call " + n + " of caller " + caller + " failed", e);
                    }
                    slowestNanos.accumulateAndGet(System.nanoTime() - callStart, Math::max);
                    if (caller == 0 && i % 2500 == 0) {
                      samples.add(sample(isolator, i * CALLERS));
                    }
                  }
                }));
      }
      CompletableFuture.allOf(callers.toArray(CompletableFuture[]::new)).get();
      samples.add(sample(isolator, CALLS_PER_CALLER * CALLERS));
      String summary =
          String.format(
              "soak: %d calls by %d callers in %.0f s, 0 failures, %d worker images, slowest call %.1f ms%n%s",
              CALLS_PER_CALLER * CALLERS,
              CALLERS,
              (System.nanoTime() - start) / 1e9,
              isolator.workersLaunched(),
              slowestNanos.get() / 1e6,
              String.join("\n", samples));
      System.out.println(summary);
      Files.writeString(Path.of("target", "soak.txt"), summary);
      long maxRss = samples.stream().mapToLong(SoakTest::rssOf).max().orElseThrow();
      long firstRss = rssOf(samples.get(1));
      assertThat(maxRss).isLessThan(firstRss * 2);
    }
  }

  private static String sample(Isolator isolator, int calls) {
    long pid = isolator.workerPid();
    return String.format(
        "after %6d calls: worker %d rss %d KiB heap used %d KiB", calls, pid, rssKiB(pid), isolator.workerHeapUsedBytes() >> 10);
  }

  private static long rssOf(String sample) {
    String[] words = sample.trim().split("\\s+");
    return Long.parseLong(words[6]);
  }

  private static long rssKiB(long pid) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
        if (line.startsWith("VmRSS:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", ""));
        }
      }
    } catch (IOException gone) {
      // Retired between reading the pid and its status.
    }
    return 0;
  }
}
