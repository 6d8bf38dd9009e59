package dev.isolate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.isolate.internal.wire.ByteWriter;
import dev.isolate.internal.wire.ChildRecord;
import dev.isolate.posix.Signals;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

/**
 * A child that turns on its caller: it writes forged records to its own result pipe, returns values
 * of classes with code of their own, throws exceptions that would run code, and stops its worker
 * image. Each row of the attack is provoked for real, and after each the same isolator serves the
 * next call.
 */
@EnabledOnOs(OS.LINUX)
@Timeout(120)
class HostileChildIT {
  private static Isolator isolator;

  @BeforeAll
  static void start() {
    isolator = Isolator.builder().forwardChildOutput(false).build();
  }

  @AfterAll
  static void stop() {
    isolator.close();
  }

  @BeforeEach
  void nothingRanHereYet() {
    assertThat(Tripwire.total()).as("code of a hostile class ran in the caller").isZero();
  }

  private static void nextCallWorks() throws MemIsolateException {
    assertThat(isolator.execute(() -> 6 * 7)).isEqualTo(42);
    assertThat(Tripwire.total()).as("code of a hostile class ran in the caller").isZero();
  }

  @Test
  void aValueOfAClassWithCodeOfItsOwnIsRejectedBeforeAnyOfItRuns() throws Exception {
    MemIsolateException e = Failures.of(() -> isolator.execute(() -> new Tripwire.Booby("x")));
    assertThat(e).isInstanceOf(CallableExecutedException.class);
    assertThat(e.reason()).isEqualTo(Reason.DESERIALIZATION_FAILED);
    assertThat(e)
        .hasMessageContaining(Tripwire.Booby.class.getName())
        .hasMessageContaining("no code of it ran in the caller")
        .hasMessageContaining(
            "resultFilter(ObjectInputFilter.Config.createFilter(\""
                + Tripwire.Booby.class.getName()
                + "\"))");
    nextCallWorks();
  }

  @Test
  void aMapWhoseKeysHashWithSideEffectsIsRejectedBeforeAnyKeyIsHashed() throws Exception {
    MemIsolateException e =
        Failures.of(
            () ->
                isolator.execute(
                    () -> {
                      Map<Object, String> map = new HashMap<>();
                      map.put(new Tripwire.SideEffectKey(1), "a");
                      map.put(new Tripwire.SideEffectKey(2), "b");
                      return map;
                    }));
    assertThat(e.reason()).isEqualTo(Reason.DESERIALIZATION_FAILED);
    assertThat(e).hasMessageContaining(Tripwire.SideEffectKey.class.getName());
    nextCallWorks();
  }

  @Test
  void forgedKryoBytesNamingAClassThatReadsItselfAreRejectedUnread() throws Exception {
    MemIsolateException e =
        Failures.of(
            () ->
                isolator.execute(
                    () -> {
                      // The callable "returns a String", but sends a value of its own making.
                      Hostile.sendValueAndExit(Hostile.kryoBytes(new Tripwire.Evil()));
                      return "never";
                    }));
    assertThat(e.reason()).isEqualTo(Reason.DESERIALIZATION_FAILED);
    assertThat(e).hasMessageContaining(Tripwire.Evil.class.getName());
    nextCallWorks();
  }

  @Test
  void anExceptionOfAClassWithCodeOfItsOwnComesBackAsARemoteThrowable() throws Exception {
    MemIsolateException e =
        Failures.of(
            () ->
                isolator.execute(
                    () -> {
                      throw new Tripwire.BoobyException("thrown by the child");
                    }));
    assertThat(e.reason()).isEqualTo(Reason.CALLABLE_THREW);
    assertThat(e.getCause()).isInstanceOf(RemoteThrowable.class).hasMessage("thrown by the child");
    assertThat(((RemoteThrowable) e.getCause()).originalClassName())
        .isEqualTo(Tripwire.BoobyException.class.getName());
    assertThat(e.getCause().getStackTrace()).isNotEmpty();
    nextCallWorks();
  }

  @Test
  void aForgedArrayLengthIsAFailureNotAnOutOfMemoryError() throws Exception {
    MemIsolateException e =
        Failures.of(
            () ->
                isolator.execute(
                    () -> {
                      Hostile.sendValueAndExit(
                          Hostile.forgedArray(long[].class, Integer.MAX_VALUE - 10));
                      return 0;
                    }));
    assertThat(e.reason()).isEqualTo(Reason.DESERIALIZATION_FAILED);
    assertThat(e).hasMessageContaining("a count of " + (Integer.MAX_VALUE - 10));
    e =
        Failures.of(
            () ->
                isolator.execute(
                    () -> {
                      Hostile.sendValueAndExit(Hostile.forgedArray(Object[].class, 1 << 30));
                      return 0;
                    }));
    assertThat(e.reason()).isEqualTo(Reason.DESERIALIZATION_FAILED);
    nextCallWorks();
  }

  @Test
  void forgedExceptionRecordsAreMalformedAndTheChildIsEnded() throws Exception {
    // An exception record whose count is -1, and one whose stack has 2^31 - 1 frames.
    byte[] negativeCount = new ByteWriter(8).putInt(-1).toByteArray();
    byte[] hugeStack =
        new ByteWriter(64)
            .putInt(1)
            .putString("java.lang.Exception")
            .putBoolean(false)
            .putInt(Integer.MAX_VALUE)
            .toByteArray();
    for (byte[] forged : new byte[][] {negativeCount, hugeStack}) {
      MemIsolateException e =
          Failures.of(
              () ->
                  isolator.execute(
                      () -> {
                        Hostile.writeAll(
                            Hostile.resultFd(), Hostile.record(ChildRecord.THREW, forged));
                        Hostile.Native.INSTANCE._exit(0);
                        return 0;
                      }));
      assertThat(e).isInstanceOf(CallableStatusUnknownException.class);
      assertThat(e.reason()).isEqualTo(Reason.MALFORMED_RESULT);
      assertThat(e).hasMessageContaining("an exception record");
    }
    nextCallWorks();
  }

  @Test
  void aRecordThatCannotBeGetsTheChildKilled() throws Exception {
    MemIsolateException e =
        Failures.of(
            () ->
                isolator.execute(
                    () -> {
                      // A second CALLABLE_STARTING, then a record announcing 2 GiB; and then the
                      // child would wait forever: it is killed for what it wrote.
                      int fd = Hostile.resultFd();
                      Hostile.writeAll(
                          fd, Hostile.record(ChildRecord.CALLABLE_STARTING, new byte[0]));
                      Hostile.writeAll(
                          fd, Hostile.header(ChildRecord.VALUE_PART, Integer.MAX_VALUE));
                      return Hostile.Native.INSTANCE.pause();
                    }));
    assertThat(e.reason()).isEqualTo(Reason.MALFORMED_RESULT);
    assertThat(e.signal()).hasValue(Signals.SIGKILL);
    assertThat(Path.of("/proc/" + e.childPid().orElseThrow())).doesNotExist();
    nextCallWorks();
  }

  @Test
  void aGraphNestedTooDeepIsAFailureAndTheCallerStaysWhole() throws Exception {
    MemIsolateException e =
        Failures.of(
            () ->
                isolator.execute(
                    () -> {
                      Object[] deepest = new Object[1];
                      Object[] outer = deepest;
                      for (int i = 0; i < 100_000; i++) {
                        outer = new Object[] {outer};
                      }
                      Hostile.sendValueAndExit(Hostile.kryoBytes(outer));
                      return 0;
                    }));
    assertThat(e.reason()).isEqualTo(Reason.DESERIALIZATION_FAILED);
    assertThat(e).hasMessageContaining("nest at most 200 objects deep");
    // What broke a caller before: a StackOverflowError during a JDK class's initialization.
    assertThat(new StringBuffer("still").append(" whole").toString()).isEqualTo("still whole");
    StringWriter trace = new StringWriter();
    new IllegalStateException("printable").printStackTrace(new PrintWriter(trace));
    assertThat(trace.toString()).contains("printable");
    nextCallWorks();
  }

  @Test
  void aChildThatStopsItsWorkerImageCannotHoldACallPastItsDeadline() throws Exception {
    try (Isolator own = Isolator.builder().forwardChildOutput(false).build()) {
      assertThat(own.execute(() -> 1)).isEqualTo(1);
      long stoppedWorker = own.workerPid();
      CompletableFuture<Integer> innocent =
          own.submit(
              () -> {
                Thread.sleep(60_000);
                return 2;
              },
              Duration.ofSeconds(3));
      long sent = System.nanoTime();
      MemIsolateException e =
          Failures.of(
              () ->
                  own.execute(
                      () -> {
                        Hostile.Native.INSTANCE.kill(
                            Hostile.Native.INSTANCE.getppid(), Signals.SIGSTOP);
                        return Hostile.Native.INSTANCE.pause();
                      },
                      Duration.ofSeconds(3)));
      Duration took = Duration.ofNanos(System.nanoTime() - sent);
      assertThat(e.category()).isEqualTo(Category.STATUS_UNKNOWN);
      assertThat(e.reason()).isIn(Reason.TIMED_OUT, Reason.WORKER_DIED);
      assertThat(took).isLessThan(Duration.ofSeconds(5));
      ExecutionException innocentFailure =
          org.junit.jupiter.api.Assertions.assertThrows(
              ExecutionException.class, () -> innocent.get(5, TimeUnit.SECONDS));
      assertThat(((MemIsolateException) innocentFailure.getCause()).category())
          .isEqualTo(Category.STATUS_UNKNOWN);
      System.out.printf(
          "stopped worker image: the call failed %d ms after it was sent (timeout 3000 ms): %s%n",
          took.toMillis(), e.getMessage());
      // The stopped worker image is gone, and a new one serves.
      long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
      while (ProcessHandle.of(stoppedWorker).isPresent() && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      assertThat(ProcessHandle.of(stoppedWorker)).isEmpty();
      assertThat(own.execute(() -> 6 * 7)).isEqualTo(42);
      assertThat(own.workerPid()).isNotEqualTo(stoppedWorker);
    }
  }
}
