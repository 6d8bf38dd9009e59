package dev.isolate;

import com.esotericsoftware.kryo.io.Input;
import dev.isolate.MemIsolateException.Facts;
import dev.isolate.internal.host.CallLimits;
import dev.isolate.internal.host.CallOutcome;
import dev.isolate.internal.host.ChildOutput;
import dev.isolate.internal.wire.ChildRecords;
import dev.isolate.internal.wire.ResultStream;
import dev.isolate.posix.Errno;
import dev.isolate.posix.Signals;
import dev.isolate.posix.WaitStatus;
import java.time.Duration;
import java.util.function.Function;

/**
 * The one place where the facts of a call (wait status, result pipe bytes, failed system calls)
 * become a value or a {@link MemIsolateException}.
 */
final class Classification {
  private static final long MIB = 1024 * 1024;

  private final CrashFiles crashFiles;
  private final ClassLoader loader;
  private final CallLimits limits;

  Classification(CrashFiles crashFiles, ClassLoader loader, CallLimits limits) {
    this.crashFiles = crashFiles;
    this.loader = loader;
    this.limits = limits;
  }

  /** The callable's value, or the exception that says why there is none. */
  Object resolve(CallOutcome outcome, Function<Input, Object> deserialize)
      throws MemIsolateException {
    try {
      if (outcome instanceof CallOutcome.ChildExited exited) {
        return childExited(exited, deserialize);
      }
      if (outcome instanceof CallOutcome.ValueWritten written) {
        return value(written.childPid(), written.result(), deserialize);
      }
      throw facts(outcome);
    } catch (Failure failure) {
      Facts facts =
          failure.facts.output(outcome.output().stdoutTail(), outcome.output().stderrTail());
      int childPid = childPid(outcome);
      if (childPid > 0) {
        facts.childPid(childPid);
      }
      if (outcome instanceof CallOutcome.ChildExited exited) {
        facts.elapsed(Duration.ofNanos(exited.elapsedNanos()));
      } else if (outcome instanceof CallOutcome.ValueWritten written) {
        facts.elapsed(Duration.ofNanos(written.elapsedNanos()));
      }
      throw facts.toException();
    }
  }

  private static int childPid(CallOutcome outcome) {
    if (outcome instanceof CallOutcome.ChildExited exited) {
      return exited.childPid();
    } else if (outcome instanceof CallOutcome.WorkerFailed failed) {
      return failed.childPid();
    } else if (outcome instanceof CallOutcome.WorkerDied died) {
      return died.childPid();
    } else if (outcome instanceof CallOutcome.ValueWritten written) {
      return written.childPid();
    }
    return 0;
  }

  /** Carries the facts of a failed call to {@link #resolve}, which adds what every failure has. */
  private static final class Failure extends Exception {
    private static final long serialVersionUID = 1L;
    final transient Facts facts;

    Failure(Facts facts) {
      super(null, null, false, false);
      this.facts = facts;
    }
  }

  private Failure facts(CallOutcome outcome) {
    if (outcome instanceof CallOutcome.NotDelivered notDelivered) {
      return new Failure(
          new Facts(
              Reason.WORKER_UNAVAILABLE,
              "the call never reached the worker image (pid "
                  + notDelivered.workerPid()
                  + "): "
                  + notDelivered.why()
                  + "; the callable did not run, and the next call starts a new worker image"));
    }
    if (outcome instanceof CallOutcome.WorkerDied died) {
      String child =
          died.childPid() > 0
              ? "child " + died.childPid() + " was killed with it"
              : "no child had been forked yet";
      return new Failure(
          new Facts(
                  Reason.WORKER_DIED,
                  "the worker image (pid "
                      + died.workerPid()
                      + ") "
                      + died.howItEnded()
                      + " while the call was in flight ("
                      + child
                      + "); the next call starts a new worker image")
              .crashReport(CrashReports.of(crashFiles, died.childPid(), 0, died.output())));
    }
    CallOutcome.WorkerFailed failed = (CallOutcome.WorkerFailed) outcome;
    String errno = Errno.name(failed.errno()) + " (errno " + failed.errno() + ")";
    Facts facts =
        switch (failed.step()) {
          case PIPE ->
              new Facts(
                      Reason.PIPE_CREATION_FAILED,
                      "the worker image could not create the child's pipes: "
                          + errno
                          + "; the callable did not run")
                  .errno(failed.errno());
          case FORK ->
              new Facts(
                      Reason.FORK_FAILED,
                      "fork() failed in the worker image: "
                          + errno
                          + "; the callable did not run"
                          + (failed.errno() == Errno.EAGAIN
                              ? " (EAGAIN: the process limit or memory is exhausted)"
                              : ""))
                  .errno(failed.errno());
          case CLOSE_CHILD_ENDS ->
              new Facts(
                      Reason.PARENT_PIPE_CLOSE_FAILED,
                      "the worker image could not close its copy of child "
                          + failed.childPid()
                          + "'s pipes: "
                          + errno
                          + "; the child was killed, the callable may have started")
                  .errno(failed.errno());
          case READ ->
              new Facts(
                      Reason.PARENT_PIPE_READ_FAILED,
                      "reading child "
                          + failed.childPid()
                          + "'s pipe failed: "
                          + errno
                          + "; the child was killed, the callable may have run")
                  .errno(failed.errno());
          case WAIT ->
              new Facts(
                      Reason.WAIT_FAILED,
                      "waitpid("
                          + failed.childPid()
                          + ") failed: "
                          + errno
                          + "; the child was killed, the callable may have run")
                  .errno(failed.errno());
          case WAIT_RETURNED_OTHER_PID ->
              new Facts(
                  Reason.UNEXPECTED_WAITPID_RETURN_VALUE,
                  "waitpid("
                      + failed.childPid()
                      + ") returned "
                      + failed.value()
                      + "; the child was killed, the callable may have run");
        };
    failed.status().filter(WaitStatus::signaled).ifPresent(s -> facts.signal(s.termSignal()));
    return new Failure(facts);
  }

  private Object childExited(CallOutcome.ChildExited exited, Function<Input, Object> deserialize)
      throws Failure {
    int pid = exited.childPid();
    WaitStatus status = exited.status();
    ResultStream result = ResultStream.parse(exited.resultChunks());
    long startedAtMillis = System.currentTimeMillis() - exited.elapsedNanos() / 1_000_000;
    if (exited.killedAtDeadline()) {
      Duration timeout = Duration.ofNanos(limits.timeoutNanos());
      throw new Failure(
          new Facts(
                  Reason.TIMED_OUT,
                  "child "
                      + pid
                      + " ran past the call's timeout of "
                      + timeout.toMillis()
                      + " ms and was killed with SIGKILL;"
                      + " it was reaped "
                      + exited.elapsedNanos() / 1_000_000
                      + " ms after the call was sent"
                      + "; the callable may have done part of its work")
              .signal(Signals.SIGKILL)
              .timeout(timeout)
              .crashReport(CrashReports.ofOutput(pid, exited.output())));
    }
    if (exited.killedOnCancel()) {
      throw new Failure(
          new Facts(
                  Reason.CANCELLED,
                  "the call was cancelled and child "
                      + pid
                      + " was killed; the callable may have done part of its work")
              .signal(Signals.SIGKILL));
    }
    if (exited.killedInSetup()) {
      throw new Failure(
          new Facts(
                  Reason.CHILD_SETUP_FAILED,
                  "child "
                      + pid
                      + " did not reach the callable within the setup limit, or sat on a lock"
                      + " without using CPU, and was killed with SIGKILL, as was the child of the"
                      + " one retry (it was stuck in the library's own code before the callable,"
                      + " e.g. on a lock that a thread of the worker image held when it forked);"
                      + " the callable did not run")
              .signal(Signals.SIGKILL)
              .crashReport(CrashReports.ofOutput(pid, exited.output())));
    }
    if (status.signaled() && cpuLimitReached(status, exited.usage())) {
      throw new Failure(
          new Facts(
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
              .crashReport(CrashReports.of(crashFiles, pid, startedAtMillis, exited.output())));
    }
    if (status.signaled()) {
      throw new Failure(killedBySignal(pid, status, startedAtMillis, exited.output()));
    }
    if (result.setupFailed()) {
      Reason reason =
          result.setupStep() == ChildRecords.STEP_CLOSE_PIPES
              ? Reason.CHILD_PIPE_CLOSE_FAILED
              : Reason.CHILD_SETUP_FAILED;
      throw new Failure(
          new Facts(
                  reason,
                  "child "
                      + pid
                      + " failed "
                      + ChildRecords.stepName(result.setupStep())
                      + ": "
                      + Errno.name(result.setupErrno())
                      + " (errno "
                      + result.setupErrno()
                      + "); the callable did not run")
              .errno(result.setupErrno()));
    }
    if (result.callableUnreadable() != null) {
      Throwable cause = Throwables.rebuild(result.callableUnreadable(), loader);
      throw new Failure(
          new Facts(
                  Reason.CALLABLE_SERIALIZATION_FAILED,
                  "child "
                      + pid
                      + " could not deserialize the callable ("
                      + cause
                      + "); the callable did not run")
              .cause(cause));
    }
    if (result.exitCalled() != null) {
      throw new Failure(
          new Facts(
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
              .crashReport(CrashReports.of(crashFiles, pid, startedAtMillis, exited.output())));
    }
    if (status.exited() && status.exitStatus() == 0) {
      if (result.threw() != null) {
        Throwable cause = Throwables.rebuild(result.threw(), loader);
        throw new Failure(
            new Facts(Reason.CALLABLE_THREW, "the callable threw " + cause + " in child " + pid)
                .cause(cause)
                .exitStatus(0));
      }
      if (result.resultUnserializable() != null) {
        Throwable cause = Throwables.rebuild(result.resultUnserializable(), loader);
        boolean outOfMemory = cause instanceof OutOfMemoryError;
        throw new Failure(
            new Facts(
                    Reason.SERIALIZATION_FAILED,
                    "the callable returned in child "
                        + pid
                        + ", but its result could not be serialized"
                        + (outOfMemory ? " for lack of heap (raise maxHeapBytes)" : "")
                        + ": "
                        + cause)
                .cause(cause)
                .exitStatus(0));
      }
      if (result.valueComplete()) {
        return value(pid, result, deserialize);
      }
      throw new Failure(
          new Facts(
                  Reason.CALLABLE_PROCESS_DIED_DURING_EXECUTION,
                  "child "
                      + pid
                      + " exited with status 0 without writing a "
                      + (result.truncated() || result.valueLength() > 0 ? "complete " : "")
                      + "result"
                      + " (did native code call exit(0)?)"
                      + stderrHint(exited.output()))
              .exitStatus(0)
              .crashReport(CrashReports.of(crashFiles, pid, startedAtMillis, exited.output())));
    }
    if (status.exited() && status.exitStatus() == ChildRecords.EXIT_CHILD_ESCAPED) {
      boolean ran = result.callableStarting();
      throw new Failure(
          new Facts(
                  ran ? Reason.UNEXPECTED_CHILD_EXIT_STATUS : Reason.CHILD_SETUP_FAILED,
                  "child "
                      + pid
                      + " hit an error in the library's own code "
                      + (ran ? "after" : "before")
                      + " the callable started and left with status "
                      + ChildRecords.EXIT_CHILD_ESCAPED
                      + stderrHint(exited.output())
                      + (ran ? "" : "; the callable did not run"))
              .exitStatus(status.exitStatus()));
    }
    if (status.exited()
        && status.exitStatus() == ChildRecords.EXIT_RESULT_WRITE_FAILED
        && !result.valueComplete()
        && result.threw() == null) {
      throw new Failure(
          new Facts(
                  Reason.CHILD_PIPE_WRITE_FAILED,
                  "the callable ran in child "
                      + pid
                      + ", but the child could not write its outcome to the result pipe")
              .exitStatus(status.exitStatus()));
    }
    CrashReport report = CrashReports.of(crashFiles, pid, startedAtMillis, exited.output());
    Facts facts =
        nativeLimitReached(report)
            ? nativeLimitExceeded(pid, report)
            : new Facts(
                    Reason.UNEXPECTED_CHILD_EXIT_STATUS,
                    "child "
                        + pid
                        + " "
                        + status
                        + " without writing a result"
                        + stderrHint(exited.output()))
                .crashReport(report);
    if (status.exited()) {
      facts.exitStatus(status.exitStatus());
    }
    throw new Failure(facts);
  }

  private static Object value(int pid, ResultStream result, Function<Input, Object> deserialize)
      throws Failure {
    try {
      return deserialize.apply(new Input(result.valueBytes(), 64 * 1024));
    } catch (RuntimeException | LinkageError e) {
      throw new Failure(
          new Facts(
                  Reason.DESERIALIZATION_FAILED,
                  "the callable returned in child "
                      + pid
                      + ", but its result ("
                      + result.valueLength()
                      + " bytes) could not be deserialized in the caller: "
                      + e)
              .cause(e));
    }
  }

  private boolean cpuLimitReached(WaitStatus status, CallOutcome.Usage usage) {
    if (limits.cpuSeconds() == 0) {
      return false;
    }
    // SIGXCPU comes at the soft limit; SIGKILL at the hard one, a second later, if SIGXCPU was
    // ignored.
    return status.termSignal() == Signals.SIGXCPU
        || (status.termSignal() == Signals.SIGKILL
            && usage.cpuMillis() >= limits.cpuSeconds() * 1000);
  }

  /** HotSpot died of a failed native allocation while the child ran under a native memory limit. */
  private boolean nativeLimitReached(CrashReport report) {
    return limits.nativeMemoryBytes() > 0 && report.nativeAllocationFailure().isPresent();
  }

  private Facts nativeLimitExceeded(int pid, CrashReport report) {
    return new Facts(
            Reason.NATIVE_MEMORY_LIMIT_EXCEEDED,
            "child "
                + pid
                + " reached its native memory limit of "
                + describeBytes(limits.nativeMemoryBytes())
                + " (RLIMIT_AS) and its JVM died: "
                + report.nativeAllocationFailure().orElseThrow()
                + report.hsErrFile().map(file -> "; see " + file).orElse(""))
        .crashReport(report);
  }

  private Facts killedBySignal(
      int pid, WaitStatus status, long startedAtMillis, ChildOutput output) {
    CrashReport report = CrashReports.of(crashFiles, pid, startedAtMillis, output);
    if (nativeLimitReached(report)) {
      return nativeLimitExceeded(pid, report).signal(status.termSignal());
    }
    StringBuilder message =
        new StringBuilder("child ")
            .append(pid)
            .append(" was killed by ")
            .append(Signals.name(status.termSignal()));
    report
        .fatalSignal()
        .filter(original -> !original.equals(Signals.name(status.termSignal())))
        .ifPresent(original -> message.append(" after ").append(original));
    report.problematicFrame().ifPresent(frame -> message.append(" in ").append(frame));
    report
        .hsErrFile()
        .ifPresentOrElse(
            file -> message.append("; see ").append(file),
            () -> message.append(stderrHint(output)));
    if (limits.nativeMemoryBytes() > 0) {
      message
          .append("; the child ran under a native memory limit of ")
          .append(describeBytes(limits.nativeMemoryBytes()))
          .append(
              " (RLIMIT_AS), past which malloc returns NULL, which native code that does not check"
                  + " it dereferences");
    }
    return new Facts(Reason.CHILD_PROCESS_KILLED_BY_SIGNAL, message.toString())
        .signal(status.termSignal())
        .crashReport(report);
  }

  private static String describeBytes(long bytes) {
    return bytes % MIB == 0 ? bytes / MIB + " MiB" : bytes + " bytes";
  }

  private static String stderrHint(ChildOutput output) {
    String tail = output.stderrTail().strip();
    if (tail.isEmpty()) {
      return "";
    }
    int lastLine = tail.lastIndexOf('\n');
    return "; its stderr ended with: " + tail.substring(lastLine + 1);
  }
}
