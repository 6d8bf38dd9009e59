package dev.isolate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ObjectInputFilter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

@EnabledOnOs(OS.LINUX)
@Timeout(120)
class RoundTripIT {
  private static Isolator isolator;

  @TempDir Path temp;

  @BeforeAll
  static void startWorker() {
    // Values of the test's own classes come back: the test allows them.
    isolator =
        Isolator.builder()
            .forwardChildOutput(false)
            .resultFilter(ObjectInputFilter.Config.createFilter("dev.isolate.**"))
            .build();
  }

  @AfterAll
  static void stopWorker() {
    isolator.close();
  }

  record Point(int x, int y, String label) {}

  /** A user class without a no-argument constructor. */
  static final class Account {
    final String owner;
    final List<Long> entries;

    Account(String owner, List<Long> entries) {
      this.owner = owner;
      this.entries = entries;
    }
  }

  @Test
  void callableRunsInAnotherProcess() throws Exception {
    int callerPid = (int) ProcessHandle.current().pid();
    int childPid = isolator.execute(() -> Libc.INSTANCE.getpid());
    assertThat(childPid).isPositive().isNotEqualTo(callerPid);
  }

  @Test
  void capturedValuesTravelAndComeBackAsRecordsCollectionsAndUserClasses() throws Exception {
    Point origin = new Point(1, 2, "origin");
    Map<String, Integer> weights = new HashMap<>(Map.of("a", 1, "b", 2));
    Map<String, Object> result =
        isolator.execute(
            () -> {
              Map<String, Object> out = new HashMap<>();
              out.put("moved", new Point(origin.x() + 10, origin.y() + 20, origin.label() + "'"));
              out.put("sum", weights.values().stream().mapToInt(Integer::intValue).sum());
              out.put("immutable", List.of("x", "y"));
              out.put("account", new Account("ada", new ArrayList<>(List.of(1L, 2L))));
              return out;
            });

    assertThat(result.get("moved")).isEqualTo(new Point(11, 22, "origin'"));
    assertThat(result.get("sum")).isEqualTo(3);
    assertThat(result.get("immutable")).isEqualTo(List.of("x", "y"));
    assertThat(((Account) result.get("account")).owner).isEqualTo("ada");
    assertThat(((Account) result.get("account")).entries).containsExactly(1L, 2L);
  }

  @Test
  void pathsTravelBothWays(@org.junit.jupiter.api.io.TempDir java.nio.file.Path temp)
      throws Exception {
    java.nio.file.Path file = temp.resolve("written by the child");
    java.nio.file.Path returned =
        isolator.execute(
            () ->
                java.nio.file.Files.writeString(
                    file, "hello from " + ProcessHandle.current().pid()));
    assertThat(returned).isEqualTo(file);
    assertThat(java.nio.file.Files.readString(file)).startsWith("hello from ");
  }

  @Test
  void mutationsInTheChildNeverReachTheCallersObjects() throws Exception {
    List<String> shared = new ArrayList<>(List.of("before"));
    int sizeInChild =
        isolator.execute(
            () -> {
              shared.add("added in child");
              shared.set(0, "changed in child");
              return shared.size();
            });
    assertThat(sizeInChild).isEqualTo(2);
    assertThat(shared).containsExactly("before");
  }

  @Test
  void sixtyFourMebibyteResultArrivesWhole() throws Exception {
    int size = 64 * 1024 * 1024;
    byte[] result =
        isolator.execute(
            () -> {
              byte[] data = new byte[size];
              for (int i = 0; i < data.length; i += 4096) {
                data[i] = (byte) (i >>> 12);
              }
              data[size - 1] = 42;
              return data;
            });
    assertThat(result).hasSize(size);
    assertThat(result[size - 1]).isEqualTo((byte) 42);
    assertThat(result[4096 * 7]).isEqualTo((byte) 7);
  }

  @Test
  void manyThreadsEachGetTheirOwnAnswerWhileOthersCrash() throws Exception {
    ExecutorService callers = Executors.newFixedThreadPool(16);
    try {
      List<Future<?>> futures = new ArrayList<>();
      for (int t = 0; t < 16; t++) {
        int thread = t;
        futures.add(
            callers.submit(
                () -> {
                  for (int i = 0; i < 10; i++) {
                    int input = thread * 1000 + i;
                    if (i % 5 == 4) {
                      assertThatThrownBy(() -> isolator.execute(Libc::segfault))
                          .isInstanceOf(CallableStatusUnknownException.class);
                    } else {
                      assertThat(isolator.execute(() -> input * 2)).isEqualTo(input * 2);
                    }
                  }
                  return null;
                }));
      }
      for (Future<?> future : futures) {
        future.get(100, TimeUnit.SECONDS);
      }
    } finally {
      callers.shutdownNow();
    }
  }

  @Test
  void submitCompletesWithTheValueOrTheSameExceptionExecuteThrows() throws Exception {
    CompletableFuture<String> value = isolator.submit(() -> "async");
    CompletableFuture<Integer> failure =
        isolator.submit(
            () -> {
              throw new IllegalArgumentException("no");
            });

    assertThat(value.get(30, TimeUnit.SECONDS)).isEqualTo("async");
    assertThatThrownBy(() -> failure.get(30, TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class)
        .cause()
        .isInstanceOfSatisfying(
            CallableExecutedException.class,
            e -> {
              assertThat(e.reason()).isEqualTo(Reason.CALLABLE_THREW);
              assertThat(e.getCause())
                  .isInstanceOf(IllegalArgumentException.class)
                  .hasMessage("no");
            });
  }

  @Test
  void staticFrontDoorRunsInAChild() throws Exception {
    int callerPid = (int) ProcessHandle.current().pid();
    assertThat(MemIsolate.executeInIsolatedProcess(() -> 6 * 7)).isEqualTo(42);
    assertThat(MemIsolate.executeInIsolatedProcess(() -> Libc.INSTANCE.getpid()))
        .isNotEqualTo(callerPid);
  }

  @Test
  void workerImageKilledMidCallIsReportedAndReplaced() throws Exception {
    try (Isolator own = Isolator.builder().build()) {
      Path pidFile = temp.resolve("pid");
      String path = pidFile.toString();
      CompletableFuture<Integer> call =
          own.submit(
              () -> {
                Children.announcePid(Path.of(path));
                return Libc.INSTANCE.pause();
              });
      int childPid = Children.awaitPid(pidFile, Duration.ofSeconds(30));
      long workerPid = own.workerPid();
      ProcessHandle.of(workerPid).orElseThrow().destroyForcibly();

      assertThatThrownBy(() -> call.get(30, TimeUnit.SECONDS))
          .cause()
          .isInstanceOfSatisfying(
              CallableStatusUnknownException.class,
              e -> {
                assertThat(e.reason()).isEqualTo(Reason.WORKER_DIED);
                assertThat(e).hasMessageContaining("killed by SIGKILL");
              });
      // PR_SET_PDEATHSIG took the child down with its worker image.
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (ProcessHandle.of(childPid).map(ProcessHandle::isAlive).orElse(false)
          && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      assertThat(ProcessHandle.of(childPid).map(ProcessHandle::isAlive))
          .isNotEqualTo(java.util.Optional.of(true));
      // The next call starts a fresh worker image.
      assertThat(own.execute(() -> 6 * 7)).isEqualTo(42);
      assertThat(own.workerPid()).isNotEqualTo(workerPid);
    }
  }
}
