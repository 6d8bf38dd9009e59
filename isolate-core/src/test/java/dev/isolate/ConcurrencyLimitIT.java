package dev.isolate;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

/**
 * At most {@code maxConcurrentCalls} children run at once; the calls beyond wait in a bounded
 * queue, without blocking the threads that submit them, and a call past the queue is refused.
 */
@EnabledOnOs(OS.LINUX)
@Timeout(120)
class ConcurrencyLimitIT {

  /**
   * A callable that marks itself running in {@code directory}, counts the calls running with it,
   * stays a while, and unmarks itself: it returns how many ran at once, itself included.
   */
  private static IsolatedCallable<Integer> countingCallable(String directory, int n) {
    return () -> {
      Path running = Path.of(directory);
      Path mine = running.resolve("call-" + n);
      Files.createFile(mine);
      int together = count(running);
      Thread.sleep(150);
      together = Math.max(together, count(running));
      Files.delete(mine);
      return together;
    };
  }

  private static int count(Path directory) throws IOException {
    try (Stream<Path> files = Files.list(directory)) {
      return (int) files.count();
    }
  }

  @Test
  void noMoreChildrenRunAtOnceThanTheLimitAndEveryCallStillRuns(@TempDir Path temp)
      throws Exception {
    try (Isolator isolator =
        Isolator.builder().maxConcurrentCalls(2).forwardChildOutput(false).build()) {
      List<CompletableFuture<Integer>> futures = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        futures.add(isolator.submit(countingCallable(temp.toString(), i)));
      }
      List<Integer> together = new ArrayList<>();
      for (CompletableFuture<Integer> future : futures) {
        together.add(future.get());
      }
      assertThat(together).hasSize(8).allMatch(n -> n >= 1 && n <= 2);
      // Eight calls of 150 ms submitted at once: the two slots were used together.
      assertThat(together).contains(2);
    }
  }

  @Test
  void submitReturnsAtOnceWhileTheCallWaitsForASlot(@TempDir Path temp) throws Exception {
    try (Isolator isolator =
        Isolator.builder().maxConcurrentCalls(1).forwardChildOutput(false).build()) {
      CompletableFuture<Integer> blocker = Children.blockingCall(isolator, temp);

      // The only slot is taken by a child that never ends: this submit must not wait for it.
      CompletableFuture<String> waiting = isolator.submit(() -> "ran after the slot freed");
      assertThat(waiting).isNotDone();

      blocker.cancel(true);
      assertThat(waiting.get()).isEqualTo("ran after the slot freed");
    }
  }

  @Test
  void aCallBeyondAFullQueueIsRefusedAsNotExecuted(@TempDir Path temp) throws Exception {
    try (Isolator isolator =
        Isolator.builder()
            .maxConcurrentCalls(1)
            .maxQueuedCalls(1)
            .forwardChildOutput(false)
            .build()) {
      CompletableFuture<Integer> blocker = Children.blockingCall(isolator, temp);
      CompletableFuture<Integer> queued = isolator.submit(() -> 1);

      MemIsolateException refused = Failures.of(() -> isolator.execute(() -> 2));
      assertThat(refused.reason()).isEqualTo(Reason.QUEUE_FULL);
      assertThat(refused.category()).isEqualTo(Category.DID_NOT_EXECUTE);
      assertThat(refused)
          .hasMessageContaining("maxConcurrentCalls")
          .hasMessageContaining("maxQueuedCalls");
      assertThat(Failures.thrownBy(() -> isolator.submit(() -> 3).get()).getCause())
          .isInstanceOfSatisfying(
              MemIsolateException.class, e -> assertThat(e.reason()).isEqualTo(Reason.QUEUE_FULL));

      blocker.cancel(true);
      assertThat(queued.get()).isEqualTo(1);
    }
  }

  @Test
  void aQueuedCallThatIsCancelledNeverRuns(@TempDir Path temp) throws Exception {
    try (Isolator isolator =
        Isolator.builder().maxConcurrentCalls(1).forwardChildOutput(false).build()) {
      CompletableFuture<Integer> blocker = Children.blockingCall(isolator, temp);
      String marker = temp.resolve("ran").toString();
      CompletableFuture<Boolean> queued =
          isolator.submit(() -> Files.exists(Files.createFile(Path.of(marker))));

      assertThat(queued.cancel(true)).isTrue();
      blocker.cancel(true);

      assertThat(isolator.execute(() -> "next")).isEqualTo("next");
      assertThat(Failures.thrownBy(queued::get)).isInstanceOf(CancellationException.class);
      assertThat(temp.resolve("ran")).doesNotExist();
    }
  }

  @Test
  void closingFailsTheQueuedCallsAsNotExecuted(@TempDir Path temp) throws Exception {
    CompletableFuture<Integer> queued;
    try (Isolator isolator =
        Isolator.builder().maxConcurrentCalls(1).forwardChildOutput(false).build()) {
      Children.blockingCall(isolator, temp);
      queued = isolator.submit(() -> 1);
    }
    assertThat(Failures.thrownBy(queued::get).getCause())
        .isInstanceOfSatisfying(
            MemIsolateException.class,
            e -> {
              assertThat(e.category()).isEqualTo(Category.DID_NOT_EXECUTE);
              assertThat(e).hasMessageContaining("closed");
            });
  }

  @Test
  void submitDoesNotWaitForTheWorkerImageToStart(@TempDir Path temp) throws Exception {
    Path gate = temp.resolve("start");
    try (Isolator isolator =
        Isolator.builder()
            .seams(seams -> seams.workerMain(GatedWorkerMain.class.getName(), gate.toString()))
            .forwardChildOutput(false)
            .build()) {
      // The worker image cannot get ready before the gate opens, which happens only after submit
      // has returned: submit did not wait for it.
      CompletableFuture<Integer> future = isolator.submit(() -> 6 * 7);
      assertThat(future).isNotDone();
      Files.createFile(gate);
      assertThat(future.get()).isEqualTo(42);
    }
  }
}
