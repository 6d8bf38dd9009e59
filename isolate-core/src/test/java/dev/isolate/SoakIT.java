package dev.isolate;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

/**
 * 100 000 trivial calls on one isolator, as a service would make over weeks: none fails, and the
 * worker image's memory stays flat because it is recycled. Tagged "soak": about twenty minutes on
 * two cores, run with {@code mvn -pl isolate-core -am -Psoak test}. A call that takes longer than
 * {@link #STUCK} is a hang: a watchdog then writes the stacks of every worker image and child (with
 * gdb, if installed) to {@code target/soak-hang.txt} before the call's timeout ends it.
 */
@EnabledOnOs(OS.LINUX)
@Tag("soak")
@Timeout(7200)
class SoakIT {
  private static final int CALLERS = 2;
  private static final int CALLS_PER_CALLER =
      Integer.getInteger("isolate.soak.calls", 100_000) / CALLERS;
  private static final Duration STUCK = Duration.ofSeconds(10);

  /**
   * Lower it to replace worker images more often than in production, to hunt for trouble around a
   * replacement.
   */
  private static final long RECYCLE_AFTER_CALLS =
      Long.getLong("isolate.soak.recycleAfterCalls", 10_000);

  @Test
  void hundredThousandCallsOnOneIsolatorNeitherFailNorGrowTheWorker() throws Exception {
    try (Isolator isolator =
        Isolator.builder()
            .timeout(Duration.ofSeconds(60))
            .seams(seams -> seams.recycleAfterCalls = RECYCLE_AFTER_CALLS)
            .forwardChildOutput(false)
            .build()) {
      isolator.execute(() -> 0);
      AtomicLong slowestNanos = new AtomicLong();
      AtomicLongArray callStartedAt = new AtomicLongArray(CALLERS);
      ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
      List<String> samples = new ArrayList<>();
      long start = System.nanoTime();
      List<Thread> callers = new ArrayList<>();
      for (int t = 0; t < CALLERS; t++) {
        int caller = t;
        Thread thread =
            new Thread(
                () -> {
                  for (int i = 0; i < CALLS_PER_CALLER && failures.isEmpty(); i++) {
                    int n = i;
                    long callStart = System.nanoTime();
                    callStartedAt.set(caller, callStart);
                    try {
                      int value = isolator.execute(() -> n);
                      if (value != n) {
                        throw new AssertionError("call " + n + " returned " + value);
                      }
                    } catch (MemIsolateException | RuntimeException | AssertionError e) {
                      failures.add(
                          new AssertionError("call " + n + " of caller " + caller + " failed", e));
                    }
                    callStartedAt.set(caller, 0);
                    slowestNanos.accumulateAndGet(System.nanoTime() - callStart, Math::max);
                    if (caller == 0 && i % 2500 == 0) {
                      synchronized (samples) {
                        samples.add(sample(isolator, i * CALLERS));
                      }
                    }
                  }
                },
                "soak-caller-" + t);
        thread.start();
        callers.add(thread);
      }
      boolean dumped = false;
      for (Thread caller : callers) {
        while (caller.isAlive()) {
          caller.join(1000);
          for (int c = 0; c < CALLERS; c++) {
            long startedAt = callStartedAt.get(c);
            if (!dumped && startedAt != 0 && System.nanoTime() - startedAt > STUCK.toNanos()) {
              dumped = true;
              dumpEveryWorkerAndChild();
            }
          }
        }
      }
      samples.add(sample(isolator, CALLS_PER_CALLER * CALLERS));
      String summary =
          String.format(
              "soak: %d calls by %d callers in %.0f s, %d failures, %d worker images, slowest call"
                  + " %.1f ms%n%s%n",
              CALLS_PER_CALLER * CALLERS,
              CALLERS,
              (System.nanoTime() - start) / 1e9,
              failures.size(),
              isolator.workersLaunched(),
              slowestNanos.get() / 1e6,
              String.join("\n", samples));
      System.out.println(summary);
      Files.writeString(Path.of("target", "soak.txt"), summary);
      assertThat(failures).isEmpty();
      long maxRss = samples.stream().mapToLong(SoakIT::rssOf).max().orElseThrow();
      long firstRss = rssOf(samples.get(1));
      assertThat(maxRss).isLessThan(firstRss * 2);
    }
  }

  private static String sample(Isolator isolator, int calls) {
    long pid = isolator.workerPid();
    return String.format(
        "after %6d calls: worker %d rss %d KiB heap used %d KiB",
        calls, pid, rssKiB(pid), isolator.workerHeapUsedBytes() >> 10);
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

  /**
   * Every worker image of this JVM and each of its children: state, kernel wait channel, native
   * stacks.
   */
  private static void dumpEveryWorkerAndChild() throws IOException, InterruptedException {
    StringBuilder report = new StringBuilder("a call took longer than " + STUCK + "\n");
    for (String worker : ProcessTable.children(ProcessHandle.current().pid())) {
      long workerPid = Long.parseLong(worker.substring(0, worker.indexOf(':')));
      report.append(describe(workerPid, "worker image"));
      for (String child : ProcessTable.children(workerPid)) {
        report.append(describe(Long.parseLong(child.substring(0, child.indexOf(':'))), "child"));
      }
    }
    Files.writeString(Path.of("target", "soak-hang.txt"), report);
    System.out.println(report);
  }

  private static String describe(long pid, String what) throws IOException, InterruptedException {
    StringBuilder text = new StringBuilder("== " + what + " " + pid + "\n");
    try {
      text.append("stat: ").append(Files.readString(Path.of("/proc/" + pid + "/stat")));
      text.append("wchan: ")
          .append(Files.readString(Path.of("/proc/" + pid + "/wchan")))
          .append('\n');
    } catch (IOException gone) {
      return text.append("gone\n").toString();
    }
    try {
      Process gdb =
          new ProcessBuilder(
                  "gdb", "-p", Long.toString(pid), "-batch", "-ex", "thread apply all bt 30")
              .redirectErrorStream(true)
              .start();
      byte[] out = gdb.getInputStream().readAllBytes();
      gdb.waitFor(60, TimeUnit.SECONDS);
      text.append(new String(out, StandardCharsets.UTF_8));
    } catch (IOException noGdb) {
      text.append("(no gdb: ").append(noGdb.getMessage()).append(")\n");
    }
    return text.toString();
  }
}
