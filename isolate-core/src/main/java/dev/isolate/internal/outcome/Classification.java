package dev.isolate.internal.outcome;

import dev.isolate.Reason;
import dev.isolate.internal.host.CallOutcome;
import dev.isolate.internal.host.ChildOutput;
import dev.isolate.internal.wire.CallLimits;
import dev.isolate.internal.wire.ChildRecord;
import dev.isolate.internal.wire.MalformedException;
import dev.isolate.internal.wire.ResultStream;
import dev.isolate.internal.wire.SetupStep;
import dev.isolate.internal.wire.ThrowableCodec;
import dev.isolate.posix.Errno;
import dev.isolate.posix.Signals;
import dev.isolate.posix.WaitStatus;
import java.time.Duration;
import java.util.List;

/**
 * The one place where the facts of a call (how its child ended, what it wrote on its result pipe,
 * which system call failed, what HotSpot said as it died) become its verdict: the value's bytes, or
 * a {@link Failure} with its reason, message and facts. A pure function: it reads no file and loads
 * no class.
 */
public final class Classification {
  private Classification() {}

  /** A call's verdict. */
  public sealed interface Verdict {}

  /** The callable returned: its value is in {@code result}, to be decoded. */
  public record Returned(int childPid, ResultStream result) implements Verdict {}

  /** The call failed. */
  public record Failed(Failure failure) implements Verdict {}

  /**
   * Whether the child may have left a crash report: {@link #classify} wants its {@link CrashFacts}
   * for such outcomes, and for no other.
   */
  public static boolean mayHaveCrashed(CallOutcome outcome) {
    if (outcome instanceof CallOutcome.WorkerDied died) {
      return died.childPid() > 0;
    }
    if (outcome instanceof CallOutcome.ChildExited exited) {
      WaitStatus status = exited.status();
      return !(status.exited() && status.exitStatus() == 0 && exited.result().valueComplete());
    }
    return false;
  }

  /**
   * The verdict on a call that ran under {@code limits}.
   *
   * @param crash what the child's crash report said, for an outcome that {@link #mayHaveCrashed};
   *     null for others
   */
  public static Verdict classify(CallOutcome outcome, CallLimits limits, CrashFacts crash) {
    if (outcome instanceof CallOutcome.ValueWritten written) {
      return new Returned(written.childPid(), written.result());
    }
    Failure failure;
    if (outcome instanceof CallOutcome.ChildExited exited) {
      Verdict verdict = childExited(exited, limits, crash);
      if (verdict instanceof Returned) {
        return verdict;
      }
      failure = ((Failed) verdict).failure();
      failure.elapsed(Duration.ofNanos(exited.elapsedNanos()));
    } else {
      failure = WorkerReports.failure(outcome, crash);
    }
    ChildOutput output = outcome.output();
    failure.output(output.stdoutTail(), output.stderrTail());
    int childPid = childPid(outcome);
    if (childPid > 0) {
      failure.childPid(childPid);
    }
    return new Failed(failure);
  }

  private static int childPid(CallOutcome outcome) {
    if (outcome instanceof CallOutcome.ChildExited exited) {
      return exited.childPid();
    } else if (outcome instanceof CallOutcome.WorkerFailed failed) {
      return failed.childPid();
    } else if (outcome instanceof CallOutcome.WorkerDied died) {
      return died.childPid();
    } else if (outcome instanceof CallOutcome.DeadlinePassed passed) {
      return passed.childPid();
    }
    return 0;
  }

  private static Verdict childExited(
      CallOutcome.ChildExited exited, CallLimits limits, CrashFacts crash) {
    int pid = exited.childPid();
    WaitStatus status = exited.status();
    ResultStream result = exited.result();
    CrashFacts report = crash != null ? crash : outputOnly(exited.output());
    String malformed = result.malformed() != null ? result.malformed() : malformedChain(result);
    if (malformed != null) {
      Failure failure =
          new Failure(
                  Reason.MALFORMED_RESULT,
                  "child "
                      + pid
                      + " wrote on its result pipe what no child of this library writes ("
                      + malformed
                      + ") and was killed: its native code is broken, or was exploited; nothing"
                      + " it sent was decoded, and the callable may have run")
              .crash(report);
      if (status.signaled()) {
        failure.signal(status.termSignal());
      }
      return failed(failure);
    }
    if (exited.resultTooLarge() || result.valueTooLarge()) {
      return failed(
          new Failure(
              Reason.RESULT_TOO_LARGE,
              "child "
                  + pid
                  + " sent back more than "
                  + ChildDeaths.describeBytes(limits.maxResultBytes())
                  + " (maxResultBytes) and was killed; raise Isolator.Builder.maxResultBytes for"
                  + " a value that large, or find why the child writes without end"));
    }
    if (exited.killedAtDeadline()) {
      Duration timeout = Duration.ofNanos(limits.timeoutNanos());
      return failed(
          new Failure(
                  Reason.TIMED_OUT,
                  "child "
                      + pid
                      + " ran past the call's timeout of "
                      + timeout.toMillis()
                      + " ms and was killed with SIGKILL; it was reaped "
                      + exited.elapsedNanos() / 1_000_000
                      + " ms after the call was sent"
                      + "; the callable may have done part of its work")
              .signal(Signals.SIGKILL)
              .timeout(timeout)
              .crash(outputOnly(exited.output())));
    }
    if (exited.killedOnCancel()) {
      return failed(
          new Failure(
                  Reason.CANCELLED,
                  "the call was cancelled and child "
                      + pid
                      + " was killed; the callable may have done part of its work")
              .signal(Signals.SIGKILL));
    }
    if (exited.killedInSetup()) {
      return failed(
          new Failure(
                  Reason.CHILD_SETUP_FAILED,
                  "child "
                      + pid
                      + " did not reach the callable within the setup limit, or sat on"
                      + " a lock without using CPU, and was killed with SIGKILL, as was the child"
                      + " of the one retry (it was stuck in the library's own code before the"
                      + " callable, e.g. on a lock that a thread of the worker image held when it"
                      + " forked); the callable did not run")
              .signal(Signals.SIGKILL)
              .crash(outputOnly(exited.output())));
    }
    if (status.signaled() && ChildDeaths.cpuLimitReached(status, exited.usage(), limits)) {
      return failed(
          new Failure(
                  Reason.CPU_TIME_LIMIT_EXCEEDED,
                  "child "
                      + pid
                      + " used up its CPU-time limit of "
                      + limits.cpuSeconds()
                      + " s (RLIMIT_CPU): it used "
                      + exited.usage().cpuMillis()
                      + " ms of CPU and was killed by "
                      + Signals.name(status.termSignal())
                      + "; the callable may have done part of its work")
              .signal(status.termSignal())
              .crash(report));
    }
    if (status.signaled()) {
      return failed(ChildDeaths.killedBySignal(pid, status, report, limits, exited.output()));
    }
    if (result.setupStep() != null) {
      SetupStep step = result.setupStep();
      Reason reason =
          step == SetupStep.CLOSE_PIPES
              ? Reason.CHILD_PIPE_CLOSE_FAILED
              : Reason.CHILD_SETUP_FAILED;
      return failed(
          new Failure(
                  reason,
                  "child "
                      + pid
                      + " failed "
                      + step.description()
                      + ": "
                      + Errno.name(result.setupErrno())
                      + " (errno "
                      + result.setupErrno()
                      + "); the callable did not run")
              .errno(result.setupErrno()));
    }
    if (result.callableUnreadable() != null) {
      List<ThrowableCodec.Link> chain = chain(result.callableUnreadable());
      return failed(
          new Failure(
                  Reason.CALLABLE_SERIALIZATION_FAILED,
                  "child "
                      + pid
                      + " could not deserialize the callable ("
                      + describe(chain)
                      + "); the callable did not run")
              .causeChain(chain));
    }
    if (result.exitCalled() != null) {
      return failed(
          new Failure(
                  Reason.UNEXPECTED_CHILD_EXIT_STATUS,
                  "the callable called System.exit("
                      + result.exitCalled()
                      + ") or Runtime.halt("
                      + result.exitCalled()
                      + "); child "
                      + pid
                      + " "
                      + status)
              .exitStatus(status.exitStatus())
              .crash(report));
    }
    if (status.exited() && status.exitStatus() == 0) {
      return exitedCleanly(pid, result, exited.output(), report);
    }
    if (status.exited() && status.exitStatus() == ChildRecord.EXIT_CHILD_ESCAPED) {
      boolean ran = result.callableStarting();
      return failed(
          new Failure(
                  ran ? Reason.UNEXPECTED_CHILD_EXIT_STATUS : Reason.CHILD_SETUP_FAILED,
                  "child "
                      + pid
                      + " hit an error in the library's own code "
                      + (ran ? "after" : "before")
                      + " the callable started and left with status "
                      + ChildRecord.EXIT_CHILD_ESCAPED
                      + ChildDeaths.stderrHint(exited.output())
                      + (ran ? "" : "; the callable did not run"))
              .exitStatus(status.exitStatus()));
    }
    if (status.exited()
        && status.exitStatus() == ChildRecord.EXIT_RESULT_WRITE_FAILED
        && !result.valueComplete()
        && result.threw() == null) {
      return failed(
          new Failure(
                  Reason.CHILD_PIPE_WRITE_FAILED,
                  "the callable ran in child "
                      + pid
                      + ", but the child could not write its outcome to the result pipe")
              .exitStatus(status.exitStatus()));
    }
    Failure failure =
        ChildDeaths.nativeLimitReached(report, limits)
            ? ChildDeaths.nativeLimitExceeded(pid, report, limits)
            : new Failure(
                    Reason.UNEXPECTED_CHILD_EXIT_STATUS,
                    "child "
                        + pid
                        + " "
                        + status
                        + " without writing a result"
                        + ChildDeaths.stderrHint(exited.output()))
                .crash(report);
    if (status.exited()) {
      failure.exitStatus(status.exitStatus());
    }
    return failed(failure);
  }

  /** The child exited with status 0: the callable returned, threw, or died without a result. */
  private static Verdict exitedCleanly(
      int pid, ResultStream result, ChildOutput output, CrashFacts report) {
    if (result.threw() != null) {
      List<ThrowableCodec.Link> chain = chain(result.threw());
      return failed(
          new Failure(
                  Reason.CALLABLE_THREW,
                  "the callable threw " + describe(chain) + " in child " + pid)
              .causeChain(chain)
              .exitStatus(0));
    }
    if (result.resultUnserializable() != null) {
      List<ThrowableCodec.Link> chain = chain(result.resultUnserializable());
      boolean outOfMemory = chain.get(0).className().equals(OutOfMemoryError.class.getName());
      return failed(
          new Failure(
                  Reason.SERIALIZATION_FAILED,
                  "the callable returned in child "
                      + pid
                      + ", but its result could not be serialized"
                      + (outOfMemory ? " for lack of heap (raise maxHeapBytes)" : "")
                      + ": "
                      + describe(chain))
              .causeChain(chain)
              .exitStatus(0));
    }
    if (result.valueComplete()) {
      return new Returned(pid, result);
    }
    return failed(
        new Failure(
                Reason.CALLABLE_PROCESS_DIED_DURING_EXECUTION,
                "child "
                    + pid
                    + " exited with status 0 without writing a "
                    + (result.truncated() || result.valueLength() > 0 ? "complete " : "")
                    + "result (did native code call exit(0)?)"
                    + ChildDeaths.stderrHint(output))
            .exitStatus(0)
            .crash(report));
  }

  /**
   * The failure of a value that arrived whole but could not be decoded in the caller: {@code why}
   * in words, and what was thrown.
   */
  public static Failure undecodable(int pid, ResultStream result, String why, Throwable cause) {
    return new Failure(
            Reason.DESERIALIZATION_FAILED,
            "the callable returned in child "
                + pid
                + ", but its result ("
                + result.valueLength()
                + " bytes) could not be deserialized in the caller: "
                + why)
        .cause(cause)
        .childPid(pid);
  }

  private static Verdict failed(Failure failure) {
    return new Failed(failure);
  }

  /** Why one of the exception records the child wrote cannot be read, or null. */
  private static String malformedChain(ResultStream result) {
    for (byte[] encoded :
        new byte[][] {result.threw(), result.resultUnserializable(), result.callableUnreadable()}) {
      if (encoded != null) {
        try {
          ThrowableCodec.read(encoded);
        } catch (MalformedException e) {
          return "an exception record: " + e.getMessage();
        }
      }
    }
    return null;
  }

  /** The decoded exception chain, which {@link #malformedChain} found readable. */
  private static List<ThrowableCodec.Link> chain(byte[] encoded) {
    try {
      return ThrowableCodec.read(encoded);
    } catch (MalformedException e) {
      throw new IllegalStateException("checked by malformedChain: " + e.getMessage(), e);
    }
  }

  /** How the first exception of a chain prints: its class name and message. */
  private static String describe(List<ThrowableCodec.Link> chain) {
    ThrowableCodec.Link first = chain.get(0);
    return first.message() == null ? first.className() : first.className() + ": " + first.message();
  }

  private static CrashFacts outputOnly(ChildOutput output) {
    return CrashFacts.ofOutput(output.stdoutTail(), output.stderrTail());
  }
}
