package dev.isolate;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

/** Giving up on a call kills its child, and is reported as a cancellation, not as a crash. */
@EnabledOnOs(OS.LINUX)
@Timeout(60)
class CancellationIT {
  private static Isolator isolator;

  @BeforeAll
  static void start() {
    isolator = Isolator.builder().forwardChildOutput(false).build();
  }

  @AfterAll
  static void stop() {
    isolator.close();
  }

  @Test
  void cancellingTheFutureKillsTheChild(@TempDir Path temp) throws Exception {
    String pidFile = temp.resolve("child.pid").toString();
    CompletableFuture<Integer> future =
        isolator.submit(
            () -> {
              Children.announcePid(Path.of(pidFile));
              return Libc.INSTANCE.pause();
            });
    int childPid = Children.awaitPid(Path.of(pidFile), Duration.ofSeconds(30));

    assertThat(future.cancel(true)).isTrue();

    assertThat(future.isCancelled()).isTrue();
    assertThat(Failures.thrownBy(future::get)).isInstanceOf(CancellationException.class);
    awaitGone(childPid);
    assertThat(isolator.execute(() -> "still serving")).isEqualTo("still serving");
  }

  @Test
  void interruptingACallerInExecuteKillsTheChildAndSaysSo(@TempDir Path temp) throws Exception {
    String pidFile = temp.resolve("child.pid").toString();
    AtomicReference<Throwable> thrown = new AtomicReference<>();
    AtomicReference<Boolean> interruptedAfter = new AtomicReference<>();
    Thread caller =
        new Thread(
            () -> {
              thrown.set(
                  Failures.thrownBy(
                      () ->
                          isolator.execute(
                              () -> {
                                Children.announcePid(Path.of(pidFile));
                                return Libc.INSTANCE.pause();
                              })));
              interruptedAfter.set(Thread.currentThread().isInterrupted());
            });
    caller.start();
    int childPid = Children.awaitPid(Path.of(pidFile), Duration.ofSeconds(30));

    caller.interrupt();
    caller.join();

    assertThat(thrown.get()).isInstanceOf(CallableStatusUnknownException.class);
    MemIsolateException e = (MemIsolateException) thrown.get();
    assertThat(e.reason()).isEqualTo(Reason.CANCELLED);
    assertThat(e.category()).isEqualTo(Category.STATUS_UNKNOWN);
    assertThat(interruptedAfter.get()).isTrue();
    awaitGone(childPid);
  }

  @Test
  void submitReturnsBeforeTheChildFinishes(@TempDir Path temp) throws Exception {
    Path gate = temp.resolve("gate");
    String gatePath = gate.toString();
    // The child waits for a file the test writes only once submit has returned: a submit that
    // blocked until the call ended would never return.
    CompletableFuture<String> future =
        isolator.submit(
            () -> {
              while (!Files.exists(Path.of(gatePath))) {
                Thread.sleep(5);
              }
              return "through the gate";
            });
    assertThat(future).isNotDone();
    Files.writeString(gate, "open");
    assertThat(future.get()).isEqualTo("through the gate");
  }

  private static void awaitGone(int pid) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
    while (Files.exists(Path.of("/proc/" + pid)) && System.nanoTime() < deadline) {
      Thread.sleep(5);
    }
    assertThat(Path.of("/proc/" + pid)).as("child %d", pid).doesNotExist();
  }
}
