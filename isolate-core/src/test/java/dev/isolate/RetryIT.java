package dev.isolate;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

/**
 * Each branch of the retry policy against real failures of real children; every run of a callable
 * leaves a line in a file, so the test counts how often it ran.
 */
@EnabledOnOs(OS.LINUX)
@Timeout(120)
class RetryIT {
  private static Isolator isolator;

  @BeforeAll
  static void start() {
    isolator = Isolator.builder().forwardChildOutput(false).build();
  }

  @AfterAll
  static void stop() {
    isolator.close();
  }

  /** Records one run of a callable in {@code file} and returns how many runs it now holds. */
  static int recordRun(String file) throws IOException {
    Files.writeString(Path.of(file), "ran\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    return Files.readAllLines(Path.of(file)).size();
  }

  private static int runs(Path file) throws IOException {
    return Files.exists(file) ? Files.readAllLines(file).size() : 0;
  }

  @Test
  void notIdempotentRetriesACallThatDidNotExecute(@TempDir Path temp) throws Exception {
    try (Isolator single =
        Isolator.builder()
            .maxConcurrentCalls(1)
            .maxQueuedCalls(0)
            .forwardChildOutput(false)
            .build()) {
      CompletableFuture<Integer> blocker = Children.blockingCall(single, temp);
      List<Reason> retried = new CopyOnWriteArrayList<>();
      String runs = temp.resolve("runs").toString();

      int result =
          Retry.notIdempotent()
              .attempts(20)
              .backoff(Duration.ofMillis(20), Duration.ofMillis(200))
              .onRetry(
                  (attempt, failure) -> {
                    retried.add(failure.reason());
                    blocker.cancel(true); // frees the only slot
                  })
              .execute(single, () -> recordRun(runs));

      // Refused while the slot was taken (the callable did not run), then run once.
      assertThat(retried).isNotEmpty().containsOnly(Reason.QUEUE_FULL);
      assertThat(result).isEqualTo(1);
      assertThat(runs(temp.resolve("runs"))).isEqualTo(1);
    }
  }

  @Test
  void notIdempotentDoesNotRetryACallableThatThrew(@TempDir Path temp) throws Exception {
    String runs = temp.resolve("runs").toString();
    AtomicBoolean retried = new AtomicBoolean();
    MemIsolateException e =
        Failures.of(
            () ->
                Retry.notIdempotent()
                    .onRetry((attempt, failure) -> retried.set(true))
                    .execute(
                        isolator,
                        () -> {
                          recordRun(runs);
                          throw new IllegalStateException("charged the card, then failed");
                        }));
    assertThat(e.category()).isEqualTo(Category.EXECUTED);
    assertThat(retried).isFalse();
    assertThat(runs(temp.resolve("runs"))).isEqualTo(1);
  }

  @Test
  void notIdempotentDoesNotRetryWhenTheStatusIsUnknown(@TempDir Path temp) throws Exception {
    String runs = temp.resolve("runs").toString();
    MemIsolateException e =
        Failures.of(
            () ->
                Retry.notIdempotent()
                    .execute(
                        isolator,
                        () -> {
                          recordRun(runs);
                          System.exit(3);
                          return 0;
                        }));
    assertThat(e.category()).isEqualTo(Category.STATUS_UNKNOWN);
    assertThat(runs(temp.resolve("runs"))).isEqualTo(1);
  }

  @Test
  void idempotentRetriesACallableThatThrewUntilItSucceeds(@TempDir Path temp) throws Exception {
    String runs = temp.resolve("runs").toString();
    List<Category> retried = new CopyOnWriteArrayList<>();
    int result =
        Retry.idempotent()
            .attempts(3)
            .backoff(Duration.ZERO, Duration.ZERO)
            .onRetry((attempt, failure) -> retried.add(failure.category()))
            .execute(
                isolator,
                () -> {
                  int run = recordRun(runs);
                  if (run < 3) {
                    throw new IllegalStateException("run " + run + " fails");
                  }
                  return run;
                });
    assertThat(result).isEqualTo(3);
    assertThat(retried).containsExactly(Category.EXECUTED, Category.EXECUTED);
  }

  @Test
  void idempotentRetriesAChildThatCrashed(@TempDir Path temp) throws Exception {
    String runs = temp.resolve("runs").toString();
    List<Reason> retried = new CopyOnWriteArrayList<>();
    int result =
        Retry.idempotent()
            .backoff(Duration.ZERO, Duration.ZERO)
            .onRetry((attempt, failure) -> retried.add(failure.reason()))
            .execute(
                isolator,
                () -> {
                  int run = recordRun(runs);
                  if (run == 1) {
                    Libc.segfault();
                  }
                  return run;
                });
    assertThat(result).isEqualTo(2);
    assertThat(retried).containsExactly(Reason.CHILD_PROCESS_KILLED_BY_SIGNAL);
  }

  @Test
  void whenTheAttemptsRunOutTheLastFailureCarriesTheEarlierOnes(@TempDir Path temp)
      throws Exception {
    String runs = temp.resolve("runs").toString();
    MemIsolateException e =
        Failures.of(
            () ->
                Retry.idempotent()
                    .attempts(3)
                    .backoff(Duration.ZERO, Duration.ZERO)
                    .execute(
                        isolator,
                        () -> {
                          throw new IllegalStateException("run " + recordRun(runs));
                        }));
    assertThat(e.getCause()).hasMessage("run 3");
    assertThat(e.getSuppressed()).hasSize(2);
    assertThat(e.getSuppressed()[0].getCause()).hasMessage("run 1");
    assertThat(e.getSuppressed()[1].getCause()).hasMessage("run 2");
    assertThat(runs(temp.resolve("runs"))).isEqualTo(3);
  }

  @Test
  void pausesDoubleUpToTheLargest() {
    List<Duration> pauses = new ArrayList<>();
    Failures.of(
        () ->
            Retry.idempotent()
                .attempts(5)
                .backoff(Duration.ofMillis(100), Duration.ofMillis(300))
                .sleeper(pauses::add)
                .execute(
                    isolator,
                    () -> {
                      throw new IllegalStateException("always");
                    }));
    assertThat(pauses)
        .containsExactly(
            Duration.ofMillis(100),
            Duration.ofMillis(200),
            Duration.ofMillis(300),
            Duration.ofMillis(300));
  }

  @Test
  void anInterruptDuringThePauseEndsTheRetries(@TempDir Path temp) throws Exception {
    String runs = temp.resolve("runs").toString();
    AtomicReference<Boolean> interruptedAfter = new AtomicReference<>();
    MemIsolateException e =
        Failures.of(
            () -> {
              try {
                Retry.idempotent()
                    .sleeper(
                        pause -> {
                          throw new InterruptedException("interrupted in the pause");
                        })
                    .execute(
                        isolator,
                        () -> {
                          throw new IllegalStateException("run " + recordRun(runs));
                        });
              } finally {
                interruptedAfter.set(Thread.interrupted());
              }
            });
    assertThat(e.getCause()).hasMessage("run 1");
    assertThat(interruptedAfter.get()).isTrue();
    assertThat(runs(temp.resolve("runs"))).isEqualTo(1);
  }

  @Test
  void aCallCancelledByAnInterruptIsNeverRetried(@TempDir Path temp) throws Exception {
    Path pidFile = temp.resolve("child.pid");
    String pidPath = pidFile.toString();
    String runs = temp.resolve("runs").toString();
    AtomicReference<Throwable> thrown = new AtomicReference<>();
    Thread caller =
        new Thread(
            () -> {
              try {
                Retry.idempotent()
                    .execute(
                        isolator,
                        () -> {
                          recordRun(runs);
                          Children.announcePid(Path.of(pidPath));
                          return Libc.INSTANCE.pause();
                        });
              } catch (Throwable t) {
                thrown.set(t);
              }
            });
    caller.start();
    Children.awaitPid(pidFile, Duration.ofSeconds(30));
    caller.interrupt();
    caller.join(30_000);

    assertThat(thrown.get())
        .isInstanceOfSatisfying(
            MemIsolateException.class, e -> assertThat(e.reason()).isEqualTo(Reason.CANCELLED));
    assertThat(runs(temp.resolve("runs"))).isEqualTo(1);
  }

  @Test
  void settingsAreChecked() {
    Retry retry = Retry.idempotent();
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> retry.attempts(0))
        .hasMessage("attempts must be at least 1, got 0");
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> retry.backoff(Duration.ofSeconds(2), Duration.ofSeconds(1)))
        .hasMessageContaining("first <= max");
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> retry.backoff(Duration.ofMillis(-1), Duration.ofSeconds(1)))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
