package dev.isolate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.isolate.internal.host.CallOutcome;
import dev.isolate.internal.host.ChildOutput;
import dev.isolate.internal.outcome.Classification;
import dev.isolate.internal.outcome.CrashFacts;
import dev.isolate.internal.outcome.Failure;
import dev.isolate.internal.wire.ByteWriter;
import dev.isolate.internal.wire.Bytes;
import dev.isolate.internal.wire.CallLimits;
import dev.isolate.internal.wire.ChildRecord;
import dev.isolate.internal.wire.ResultStream;
import dev.isolate.internal.wire.SetupStep;
import dev.isolate.internal.wire.ThrowableCodec;
import dev.isolate.internal.wire.WorkerStep;
import dev.isolate.posix.Signals;
import dev.isolate.posix.WaitStatus;
import java.io.ByteArrayOutputStream;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The classification table, one row per reason, over facts made up here: what the worker image
 * would report and what the child would have written. No process is forked; {@code
 * ClassificationIT} provokes the same rows for real.
 */
class ClassificationTableTest {
  private static final int PID = 4242;
  private static final ChildOutput OUTPUT = new ChildOutput("out", "the last line");
  private static final CallLimits NO_LIMITS = new CallLimits(0, 0, 0, 1 << 20);

  /**
   * Reasons not in the table: two the isolator decides before any facts exist ({@code ReasonTest}
   * and the integration tests cover them), and one decided after the verdict, when the value is
   * decoded (its own test below).
   */
  private static final Set<Reason> NOT_IN_THE_TABLE =
      EnumSet.of(Reason.WORKER_START_FAILED, Reason.QUEUE_FULL, Reason.DESERIALIZATION_FAILED);

  static Stream<Arguments> table() {
    CrashFacts segfault =
        CrashFacts.parse(
            "#  SIGSEGV (0xb) at pc=0x00007f, pid=4242\n"
                + "# Problematic frame:\n# C  [libcrashy.so+0x1139]  crash_now+0x10\n"
                + "siginfo: si_signo: 11 (SIGSEGV), si_code: 1, si_addr: 0x0000000000000001\n",
            java.nio.file.Path.of("/tmp/crash/hs_err_pid4242.log"),
            "",
            "");
    CrashFacts outOfNative =
        CrashFacts.parse(
            "# Native memory allocation (malloc) failed to allocate 32 bytes\n", null, "", "");
    return Stream.of(
        row(
            Reason.PIPE_CREATION_FAILED,
            failed(WorkerStep.PIPE, 24),
            NO_LIMITS,
            null,
            f -> assertThat(f.errno()).isEqualTo(24)),
        row(
            Reason.FORK_FAILED,
            failed(WorkerStep.FORK, 11),
            NO_LIMITS,
            null,
            f -> assertThat(f.message()).contains("EAGAIN: the process limit")),
        row(
            Reason.CHILD_PIPE_CLOSE_FAILED,
            exited(0, setupFailed(SetupStep.CLOSE_PIPES, 9)),
            NO_LIMITS,
            null,
            f -> assertThat(f.errno()).isEqualTo(9)),
        row(
            Reason.CHILD_SETUP_FAILED,
            exited(0, setupFailed(SetupStep.SIGNALS, 22)),
            NO_LIMITS,
            null,
            f -> assertThat(f.message()).contains("resetting signal handlers: EINVAL")),
        row(
            Reason.CALLABLE_SERIALIZATION_FAILED,
            exited(0, records(r -> r.chain(ChildRecord.CALLABLE_UNREADABLE, "no such class"))),
            NO_LIMITS,
            null,
            f -> assertThat(f.causeChain()).hasSize(1)),
        row(
            Reason.WORKER_UNAVAILABLE,
            new CallOutcome.NotDelivered(77, "it died"),
            NO_LIMITS,
            null,
            f -> assertThat(f.message()).contains("pid 77").contains("did not run")),
        row(
            Reason.WORKER_UNAVAILABLE,
            failed(WorkerStep.NOT_FORK_SAFE, 0),
            NO_LIMITS,
            null,
            f -> assertThat(f.message()).contains("broke fork safety").contains("did not run")),
        row(
            Reason.SERIALIZATION_FAILED,
            exited(0, started(r -> r.chain(ChildRecord.RESULT_UNSERIALIZABLE, "cannot"))),
            NO_LIMITS,
            null,
            f -> assertThat(f.exitStatus()).isZero()),
        row(
            Reason.CHILD_PIPE_WRITE_FAILED,
            exited(ChildRecord.EXIT_RESULT_WRITE_FAILED, started(r -> {})),
            NO_LIMITS,
            null,
            f -> assertThat(f.exitStatus()).isEqualTo(121)),
        row(
            Reason.CALLABLE_THREW,
            exited(0, started(r -> r.chain(ChildRecord.THREW, "boom"))),
            NO_LIMITS,
            null,
            f -> assertThat(f.message()).contains("java.lang.IllegalStateException: boom")),
        row(
            Reason.PARENT_PIPE_CLOSE_FAILED,
            failed(WorkerStep.CLOSE_CHILD_ENDS, 5),
            NO_LIMITS,
            null,
            f -> assertThat(f.errno()).isEqualTo(5)),
        row(
            Reason.WAIT_FAILED,
            failed(WorkerStep.WAIT, 10),
            NO_LIMITS,
            null,
            f -> assertThat(f.message()).contains("waitpid(4242) failed: ECHILD")),
        row(
            Reason.PARENT_PIPE_READ_FAILED,
            failed(WorkerStep.READ, 5),
            NO_LIMITS,
            null,
            f -> assertThat(f.errno()).isEqualTo(5)),
        row(
            Reason.CALLABLE_PROCESS_DIED_DURING_EXECUTION,
            exited(0, started(r -> {})),
            NO_LIMITS,
            null,
            f -> assertThat(f.message()).contains("did native code call exit(0)")),
        row(
            Reason.UNEXPECTED_CHILD_EXIT_STATUS,
            exited(7, started(r -> {})),
            NO_LIMITS,
            null,
            f -> assertThat(f.exitStatus()).isEqualTo(7)),
        row(
            Reason.CHILD_PROCESS_KILLED_BY_SIGNAL,
            exitedBy(WaitStatus.ofSignal(Signals.SIGABRT, false), started(r -> {}), false, false),
            NO_LIMITS,
            segfault,
            f -> {
              assertThat(f.signal()).isEqualTo(Signals.SIGABRT);
              assertThat(f.message())
                  .isEqualTo(
                      "child 4242 was killed by SIGABRT after SIGSEGV in C  [libcrashy.so+0x1139]"
                          + "  crash_now+0x10; see /tmp/crash/hs_err_pid4242.log");
              assertThat(f.crash().faultAddress()).isEqualTo("0x0000000000000001");
            }),
        row(
            Reason.UNEXPECTED_WAITPID_RETURN_VALUE,
            new CallOutcome.WorkerFailed(
                WorkerStep.WAIT_RETURNED_OTHER_PID, 0, PID, Optional.empty(), 99, OUTPUT),
            NO_LIMITS,
            null,
            f -> assertThat(f.message()).contains("returned 99")),
        row(
            Reason.TIMED_OUT,
            exitedBy(WaitStatus.ofSignal(Signals.SIGKILL, false), started(r -> {}), true, false),
            new CallLimits(500_000_000, 0, 0, 1 << 20),
            null,
            f -> assertThat(f.timeout()).hasMillis(500)),
        row(
            Reason.CPU_TIME_LIMIT_EXCEEDED,
            exitedBy(WaitStatus.ofSignal(Signals.SIGXCPU, false), started(r -> {}), false, false),
            new CallLimits(0, 0, 1, 1 << 20),
            null,
            f -> assertThat(f.message()).contains("CPU-time limit of 1 s")),
        row(
            Reason.NATIVE_MEMORY_LIMIT_EXCEEDED,
            exitedBy(WaitStatus.ofSignal(Signals.SIGABRT, false), started(r -> {}), false, false),
            new CallLimits(0, 256L << 20, 0, 1 << 20),
            outOfNative,
            f -> assertThat(f.message()).contains("native memory limit of 256 MiB")),
        row(
            Reason.WORKER_DIED,
            new CallOutcome.WorkerDied(77, "was killed by SIGKILL", PID, OUTPUT),
            NO_LIMITS,
            null,
            f -> assertThat(f.message()).contains("child 4242 was killed with it")),
        row(
            Reason.RESULT_TOO_LARGE,
            new CallOutcome.ChildExited(
                PID,
                WaitStatus.ofSignal(Signals.SIGKILL, false),
                false,
                false,
                false,
                true,
                1_000_000,
                new CallOutcome.Usage(10, 1024),
                started(r -> r.value(1, 2, 3)),
                OUTPUT),
            NO_LIMITS,
            null,
            f -> assertThat(f.message()).contains("more than 1 MiB (maxResultBytes)")),
        row(
            Reason.MALFORMED_RESULT,
            exitedBy(WaitStatus.ofSignal(Signals.SIGKILL, false), malformed(), false, true),
            NO_LIMITS,
            null,
            f -> assertThat(f.message()).contains("a second CALLABLE_STARTING")),
        row(
            Reason.CANCELLED,
            exitedBy(WaitStatus.ofSignal(Signals.SIGKILL, false), started(r -> {}), false, true),
            NO_LIMITS,
            null,
            f -> assertThat(f.signal()).isEqualTo(Signals.SIGKILL)));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("table")
  void factsClassifyAsTheirRowSays(
      Reason expected,
      CallOutcome outcome,
      CallLimits limits,
      CrashFacts crash,
      Consumer<Failure> facts) {
    Classification.Verdict verdict = Classification.classify(outcome, limits, crash);
    assertThat(verdict).isInstanceOf(Classification.Failed.class);
    Failure failure = ((Classification.Failed) verdict).failure();
    assertThat(failure.reason()).isEqualTo(expected);
    facts.accept(failure);
    assertThat(MemIsolateException.of(failure))
        .isExactlyInstanceOf(ReasonTest.exceptionOf(expected.category()));
  }

  @Test
  void everyReasonHasARowOrIsDecidedBeforeThereAreFacts() {
    Set<Reason> rows =
        table().map(arguments -> (Reason) arguments.get()[0]).collect(Collectors.toSet());
    assertThat(EnumSet.complementOf(EnumSet.copyOf(rows))).isEqualTo(NOT_IN_THE_TABLE);
  }

  @Test
  void aValueThatCannotBeDecodedIsDeserializationFailedWithItsCause() {
    ResultStream value = started(r -> r.value(1, 2, 3));
    IllegalArgumentException why = new IllegalArgumentException("Unable to find class: x.Y");
    Failure failure = Classification.undecodable(PID, value, why.toString(), why);
    assertThat(failure.reason()).isEqualTo(Reason.DESERIALIZATION_FAILED);
    assertThat(failure.cause()).isSameAs(why);
    assertThat(failure.message()).contains("its result (3 bytes)").contains("x.Y");
    assertThat(MemIsolateException.of(failure))
        .isExactlyInstanceOf(CallableExecutedException.class);
  }

  @Test
  void aCallTheWorkerImageDidNotEndPastItsDeadlineTimedOutInTheCaller() {
    Classification.Verdict verdict =
        Classification.classify(
            new CallOutcome.DeadlinePassed(77, PID, 3_000_000_000L, 4_600_000_000L, OUTPUT),
            NO_LIMITS,
            null);
    Failure failure = ((Classification.Failed) verdict).failure();
    assertThat(failure.reason()).isEqualTo(Reason.TIMED_OUT);
    assertThat(failure.timeout()).hasSeconds(3);
    assertThat(failure.elapsed()).hasMillis(4600);
    assertThat(failure.message())
        .contains("had not ended it 4600 ms after it was sent")
        .contains("killed the worker image");
  }

  @Test
  void aWholeValueIsReturnedWhateverTheChildDidNext() {
    ResultStream value = started(r -> r.value(1, 2, 3));
    Classification.Verdict written =
        Classification.classify(
            new CallOutcome.ValueWritten(PID, 5, value, OUTPUT), NO_LIMITS, null);
    assertThat(written).isEqualTo(new Classification.Returned(PID, value));
    assertThat(Classification.classify(exited(0, value), NO_LIMITS, null))
        .isEqualTo(new Classification.Returned(PID, value));
    assertThat(Classification.mayHaveCrashed(exited(0, value))).isFalse();
    assertThat(
            Classification.mayHaveCrashed(
                exitedBy(WaitStatus.ofSignal(Signals.SIGABRT, false), value, false, false)))
        .isTrue();
  }

  // Facts, made up.

  private static Arguments row(
      Reason reason,
      CallOutcome outcome,
      CallLimits limits,
      CrashFacts crash,
      Consumer<Failure> facts) {
    return Arguments.of(reason, outcome, limits, crash, facts);
  }

  private static CallOutcome failed(WorkerStep step, int errno) {
    return new CallOutcome.WorkerFailed(step, errno, PID, Optional.empty(), 0, OUTPUT);
  }

  private static CallOutcome exited(int status, ResultStream result) {
    return exitedBy(WaitStatus.ofExit(status), result, false, false);
  }

  private static CallOutcome exitedBy(
      WaitStatus status, ResultStream result, boolean atDeadline, boolean cancelled) {
    return new CallOutcome.ChildExited(
        PID,
        status,
        atDeadline,
        false,
        cancelled,
        false,
        1_000_000,
        new CallOutcome.Usage(1500, 1024),
        result,
        OUTPUT);
  }

  private static ResultStream setupFailed(SetupStep step, int errno) {
    return records(
        r -> {
          byte[] payload = new byte[ChildRecord.SETUP_FAILED_BYTES];
          ChildRecord.writeSetupFailed(payload, step, errno);
          r.record(ChildRecord.SETUP_FAILED, payload);
        });
  }

  /** A stream that went wrong: what a child that writes to its own result pipe sends. */
  private static ResultStream malformed() {
    Records records = new Records();
    records.record(ChildRecord.CALLABLE_STARTING, new byte[0]);
    records.record(ChildRecord.CALLABLE_STARTING, new byte[0]);
    ResultStream result = new ResultStream(Long.MAX_VALUE);
    result.append(records.bytes.toByteArray());
    return result;
  }

  private static ResultStream started(Consumer<Records> more) {
    return records(
        r -> {
          r.record(ChildRecord.CALLABLE_STARTING, new byte[0]);
          more.accept(r);
        });
  }

  private static ResultStream records(Consumer<Records> write) {
    Records records = new Records();
    write.accept(records);
    ResultStream result = new ResultStream(Long.MAX_VALUE);
    result.append(records.bytes.toByteArray());
    assertThat(result.malformed()).isNull();
    return result;
  }

  /** Result-pipe records, as a child writes them. */
  private static final class Records {
    final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

    void record(byte kind, byte[] payload) {
      bytes.write(kind);
      byte[] length = new byte[4];
      Bytes.putInt(length, 0, payload.length);
      bytes.writeBytes(length);
      bytes.writeBytes(payload);
    }

    void chain(byte kind, String message) {
      ByteWriter out = new ByteWriter(64);
      ThrowableCodec.write(out, new IllegalStateException(message));
      record(kind, out.toByteArray());
    }

    void value(int... bytes) {
      byte[] value = new byte[bytes.length];
      for (int i = 0; i < bytes.length; i++) {
        value[i] = (byte) bytes[i];
      }
      record(ChildRecord.VALUE_PART, value);
      record(ChildRecord.VALUE_END, new byte[0]);
    }
  }
}
