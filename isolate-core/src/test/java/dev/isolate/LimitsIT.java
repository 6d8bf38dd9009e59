package dev.isolate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.isolate.posix.Signals;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

/** Timeouts, heap, native memory and CPU budgets, each exceeded for real in a child. */
@EnabledOnOs(OS.LINUX)
@Timeout(120)
class LimitsIT {
  private static final long MIB = 1024 * 1024;

  /** How long after its deadline a timed-out call may end: the bound. */
  private static final Duration TIMEOUT_SLACK = Duration.ofMillis(500);

  private static Isolator unlimited;
  private static Isolator limited;

  @BeforeAll
  static void start() {
    unlimited =
        Isolator.builder().timeout(Duration.ofSeconds(60)).forwardChildOutput(false).build();
    limited =
        Isolator.builder()
            .maxHeapBytes(64 * MIB)
            .maxNativeMemoryBytes(256 * MIB)
            .keepCrashReports(2)
            .forwardChildOutput(false)
            .build();
  }

  @AfterAll
  static void stop() {
    unlimited.close();
    limited.close();
  }

  @Test
  void timeoutKillsACallableBlockedInNativePause() throws Exception {
    assertTimedOutPromptly(() -> Libc.INSTANCE.pause(), Duration.ofMillis(300));
  }

  @Test
  void timeoutKillsACallableSpinningInC() throws Exception {
    assertTimedOutPromptly(Libc::spinForever, Duration.ofMillis(300));
  }

  @Test
  void timeoutKillsAJavaLoop() throws Exception {
    assertTimedOutPromptly(
        () -> {
          long n = 0;
          while (n >= 0) {
            n = (n + 1) & Long.MAX_VALUE;
          }
          return n;
        },
        Duration.ofMillis(300));
  }

  private static <T> void assertTimedOutPromptly(IsolatedCallable<T> callable, Duration timeout)
      throws Exception {
    long start = System.nanoTime();
    CallableStatusUnknownException e =
        (CallableStatusUnknownException) Failures.of(() -> unlimited.execute(callable, timeout));
    Duration wall = Duration.ofNanos(System.nanoTime() - start);
    System.out.printf(
        "timed out after %d ms against a timeout of %d ms (the call took %d ms in the caller)%n",
        e.elapsed().orElseThrow().toMillis(), timeout.toMillis(), wall.toMillis());
    assertThat(e.reason()).isEqualTo(Reason.TIMED_OUT);
    assertThat(e.signal()).hasValue(Signals.SIGKILL);
    assertThat(e.timeout()).hasValue(timeout);
    assertThat(e.elapsed().orElseThrow()).isBetween(timeout, timeout.plus(TIMEOUT_SLACK));
    assertThat(wall).isLessThan(timeout.plus(TIMEOUT_SLACK));
    assertThat(e).hasMessageContaining("timeout of " + timeout.toMillis() + " ms");
    // Killed and reaped: no process with its pid is left, zombie or not.
    assertThat(Path.of("/proc/" + e.childPid().orElseThrow())).doesNotExist();
    // What the worker image has left are its spares, waiting for calls; no zombie.
    assertThat(ProcessTable.settledChildren(unlimited.workerPid()))
        .hasSizeLessThanOrEqualTo(ProcessTable.SPARES)
        .allMatch(child -> child.endsWith(":S"));
  }

  @Test
  void aPerCallTimeoutReplacesTheIsolatorsOwn() throws Exception {
    try (Isolator strict =
        Isolator.builder().timeout(Duration.ofMillis(200)).forwardChildOutput(false).build()) {
      IsolatedCallable<String> slow =
          () -> {
            Thread.sleep(600);
            return "done";
          };
      assertThat(strict.execute(slow, Duration.ofSeconds(20))).isEqualTo("done");
      assertThat(strict.submit(slow, Duration.ofSeconds(20)).get()).isEqualTo("done");
      assertThat(Failures.of(() -> strict.execute(slow)).reason()).isEqualTo(Reason.TIMED_OUT);
      ExecutionException async =
          (ExecutionException) Failures.thrownBy(() -> strict.submit(slow).get());
      assertThat(((MemIsolateException) async.getCause()).reason()).isEqualTo(Reason.TIMED_OUT);
    }
  }

  @Test
  void allocatingPastTheHeapBudgetThrowsOutOfMemoryErrorPromptly() throws Exception {
    // Just under the budget works: the budget is really the child's.
    assertThat(limited.execute(() -> new byte[48 * 1024 * 1024].length))
        .isEqualTo(48 * 1024 * 1024);

    long start = System.nanoTime();
    MemIsolateException e =
        Failures.of(
            () ->
                limited.execute(
                    () -> {
                      List<byte[]> hog = new ArrayList<>();
                      for (int i = 0; i < 1024; i++) {
                        hog.add(new byte[1024 * 1024]);
                      }
                      return hog.size();
                    }));
    assertThat(e.reason()).isEqualTo(Reason.CALLABLE_THREW);
    assertThat(e.category()).isEqualTo(Category.EXECUTED);
    assertThat(e.getCause()).isInstanceOf(OutOfMemoryError.class);
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
  }

  @Test
  void aResultTooLargeToSerializeInTheHeapLeftIsReportedAsSuch() throws Exception {
    // A graph of many small objects fills most of the budget; writing it needs Kryo's reference
    // table
    // and buffers on top, in a heap that is never collected.
    MemIsolateException e =
        Failures.of(
            () ->
                limited.execute(
                    () -> {
                      // Stop 8 MiB short of the end: the callable itself returns normally.
                      Runtime heap = Runtime.getRuntime();
                      ArrayList<Object> graph = new ArrayList<>();
                      while (heap.maxMemory() - (heap.totalMemory() - heap.freeMemory())
                          > 8 * MIB) {
                        for (int i = 0; i < 1000; i++) {
                          graph.add(new int[] {i});
                        }
                      }
                      return graph;
                    }));
    assertThat(e.reason()).isEqualTo(Reason.SERIALIZATION_FAILED);
    assertThat(e.category()).isEqualTo(Category.EXECUTED);
    assertThat(e.getCause()).isInstanceOf(OutOfMemoryError.class);
    assertThat(e).hasMessageContaining("for lack of heap");
  }

  @Test
  void spinningPastTheCpuBudgetIsKilledAndNamedAsSuch_whileWaitingCostsNothing() throws Exception {
    try (Isolator cpuBound =
        Isolator.builder().maxCpuTime(Duration.ofMillis(900)).forwardChildOutput(false).build()) {
      long start = System.nanoTime();
      MemIsolateException e = Failures.of(() -> cpuBound.execute(Libc::spinForever));
      assertThat(e.reason()).isEqualTo(Reason.CPU_TIME_LIMIT_EXCEEDED);
      assertThat(e.category()).isEqualTo(Category.STATUS_UNKNOWN);
      assertThat(e.signal()).hasValue(Signals.SIGXCPU);
      // 900 ms rounds up to RLIMIT_CPU's whole second.
      assertThat(e).hasMessageContaining("CPU-time limit of 1 s (RLIMIT_CPU)");
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));

      IsolatedCallable<String> sleeper =
          () -> {
            Thread.sleep(1500);
            return "slept";
          };
      assertThat(cpuBound.execute(sleeper)).isEqualTo("slept");
    }
  }

  @Test
  void nativeMemoryWithinTheBudgetIsUsableAndBeyondItMallocFails() throws Exception {
    assertThat(limited.execute(() -> Libc.leakNative(128 * MIB) != 0)).isTrue();
    assertThat(limited.execute(() -> Libc.INSTANCE.malloc(512 * MIB) == null)).isTrue();
    // The Java heap is not native memory: the whole heap budget stays usable under a small native
    // one.
    assertThat(limited.execute(() -> new byte[48 * 1024 * 1024].length))
        .isEqualTo(48 * 1024 * 1024);
  }

  @Test
  void nativeCodeCrashingOnAFailedMallocNamesTheLimit() throws Exception {
    MemIsolateException e = Failures.of(() -> limited.execute(() -> Libc.leakNative(512 * MIB)));
    assertThat(e.reason())
        .isIn(Reason.CHILD_PROCESS_KILLED_BY_SIGNAL, Reason.NATIVE_MEMORY_LIMIT_EXCEEDED);
    assertThat(e).hasMessageContaining("native memory limit of 256 MiB (RLIMIT_AS)");
  }

  @Test
  void theJvmRunningOutOfNativeMemoryAtTheLimitIsNamedAsSuch() throws Exception {
    MemIsolateException e =
        Failures.of(
            () ->
                limited.execute(
                    () -> {
                      Libc.exhaustNativeMemory();
                      // HotSpot's own tables now cannot grow.
                      for (int i = 0; i < 1_000_000; i++) {
                        ("interned-" + i).intern();
                      }
                      return "survived";
                    }));
    assertThat(e.reason()).isEqualTo(Reason.NATIVE_MEMORY_LIMIT_EXCEEDED);
    assertThat(e.category()).isEqualTo(Category.STATUS_UNKNOWN);
    assertThat(e).hasMessageContaining("native memory limit of 256 MiB (RLIMIT_AS)");
    CrashReport report = e.crashReport().orElseThrow();
    assertThat(report.nativeAllocationFailure().orElseThrow())
        .startsWith("Native memory allocation");
    assertThat(report.hsErrFile())
        .hasValueSatisfying(file -> assertThat(Files.exists(file)).isTrue());
  }
}
