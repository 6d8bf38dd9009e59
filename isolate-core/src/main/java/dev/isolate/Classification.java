package dev.isolate;

import com.esotericsoftware.kryo.io.Input;
import dev.isolate.MemIsolateException.Facts;
import dev.isolate.internal.host.CallOutcome;
import dev.isolate.internal.host.ChildOutput;
import dev.isolate.internal.wire.ChildRecords;
import dev.isolate.internal.wire.ResultStream;
import dev.isolate.posix.Errno;
import dev.isolate.posix.Signals;
import dev.isolate.posix.WaitStatus;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Function;

/**
 * The one place where the facts of a call (wait status, result pipe bytes, failed system calls)
 * become a value or a {@link MemIsolateException}.
 */
final class Classification {
  private final Path crashDirectory;
  private final ClassLoader loader;
  private final Duration timeout;

  Classification(Path crashDirectory, ClassLoader loader, Duration timeout) {
    this.crashDirectory = crashDirectory;
    this.loader = loader;
    this.timeout = timeout;
  }

  /** The callable's value, or the exception that says why there is none. */
  Object resolve(CallOutcome outcome, Function<Input, Object> deserialize) throws MemIsolateException {
    if (outcome instanceof CallOutcome.ChildExited exited) {
      return childExited(exited, deserialize);
    }
    throw facts(outcome).toException();
  }

  private Facts facts(CallOutcome outcome) {
    if (outcome instanceof CallOutcome.NotDelivered notDelivered) {
      return new Facts(
          Reason.WORKER_UNAVAILABLE,
          "the call never reached the worker image (pid " + notDelivered.workerPid() + "): " + notDelivered.why()
              + "; the callable did not run, and the next call starts a new worker image");
    }
    if (outcome instanceof CallOutcome.WorkerDied died) {
      String child = died.childPid() > 0 ? "child " + died.childPid() + " was killed with it" : "no child had been forked yet";
      return new Facts(
              Reason.WORKER_DIED,
              "the worker image (pid " + died.workerPid() + ") " + died.howItEnded() + " while the call was in flight ("
                  + child + "); the next call starts a new worker image")
          .crashReport(CrashReports.of(crashDirectory, died.childPid(), died.output()));
    }
    CallOutcome.WorkerFailed failed = (CallOutcome.WorkerFailed) outcome;
    String errno = Errno.name(failed.errno()) + " (errno " + failed.errno() + ")";
    Facts facts =
        switch (failed.step()) {
          case PIPE -> new Facts(
                  Reason.PIPE_CREATION_FAILED,
                  "the worker image could not create the child's pipes: " + errno + "; the callable did not run")
              .errno(failed.errno());
          case FORK -> new Facts(
                  Reason.FORK_FAILED,
                  "fork() failed in the worker image: " + errno + "; the callable did not run"
                      + (failed.errno() == Errno.EAGAIN ? " (EAGAIN: the process limit or memory is exhausted)" : ""))
              .errno(failed.errno());
          case CLOSE_CHILD_ENDS -> new Facts(
                  Reason.PARENT_PIPE_CLOSE_FAILED,
                  "the worker image could not close its copy of child " + failed.childPid() + "'s pipes: " + errno
                      + "; the child was killed, the callable may have started")
              .errno(failed.errno());
          case READ -> new Facts(
                  Reason.PARENT_PIPE_READ_FAILED,
                  "reading child " + failed.childPid() + "'s pipe failed: " + errno + "; the child was killed, the callable may have run")
              .errno(failed.errno());
          case WAIT -> new Facts(
                  Reason.WAIT_FAILED,
                  "waitpid(" + failed.childPid() + ") failed: " + errno + "; the child was killed, the callable may have run")
              .errno(failed.errno());
          case WAIT_RETURNED_OTHER_PID -> new Facts(
              Reason.UNEXPECTED_WAITPID_RETURN_VALUE,
              "waitpid(" + failed.childPid() + ") returned " + failed.value() + "; the child was killed, the callable may have run");
        };
    failed.status().filter(WaitStatus::signaled).ifPresent(s -> facts.signal(s.termSignal()));
    return facts;
  }

  private Object childExited(CallOutcome.ChildExited exited, Function<Input, Object> deserialize) throws MemIsolateException {
    int pid = exited.childPid();
    WaitStatus status = exited.status();
    ResultStream result = ResultStream.parse(exited.resultChunks());
    if (exited.killedAtDeadline()) {
      throw new Facts(
              Reason.TIMED_OUT,
              "child " + pid + " ran past the call's timeout of " + timeout.toMillis() + " ms and was killed with SIGKILL after "
                  + exited.elapsedNanos() / 1_000_000 + " ms; the callable may have done part of its work")
          .signal(Signals.SIGKILL)
          .crashReport(CrashReports.of(null, pid, exited.output()))
          .toException();
    }
    if (status.signaled()) {
      throw killedBySignal(pid, status, exited.output()).toException();
    }
    if (result.setupFailed()) {
      Reason reason =
          result.setupStep() == ChildRecords.STEP_CLOSE_PIPES ? Reason.CHILD_PIPE_CLOSE_FAILED : Reason.CHILD_SETUP_FAILED;
      throw new Facts(
              reason,
              "child " + pid + " failed " + ChildRecords.stepName(result.setupStep()) + ": " + Errno.name(result.setupErrno())
                  + " (errno " + result.setupErrno() + "); the callable did not run")
          .errno(result.setupErrno())
          .toException();
    }
    if (result.callableUnreadable() != null) {
      Throwable cause = Throwables.rebuild(result.callableUnreadable(), loader);
      throw new Facts(
              Reason.CALLABLE_SERIALIZATION_FAILED,
              "child " + pid + " could not deserialize the callable (" + cause + "); the callable did not run")
          .cause(cause)
          .toException();
    }
    if (result.exitCalled() != null) {
      throw new Facts(
              Reason.UNEXPECTED_CHILD_EXIT_STATUS,
              "the callable called System.exit(" + result.exitCalled() + ") or Runtime.halt(" + result.exitCalled()
                  + "); child " + pid + " " + status)
          .exitStatus(status.exitStatus())
          .crashReport(CrashReports.of(crashDirectory, pid, exited.output()))
          .toException();
    }
    if (status.exited() && status.exitStatus() == 0) {
      if (result.threw() != null) {
        Throwable cause = Throwables.rebuild(result.threw(), loader);
        throw new Facts(Reason.CALLABLE_THREW, "the callable threw " + cause + " in child " + pid)
            .cause(cause)
            .exitStatus(0)
            .toException();
      }
      if (result.resultUnserializable() != null) {
        Throwable cause = Throwables.rebuild(result.resultUnserializable(), loader);
        boolean outOfMemory = cause instanceof OutOfMemoryError;
        throw new Facts(
                Reason.SERIALIZATION_FAILED,
                "the callable returned in child " + pid + ", but its result could not be serialized"
                    + (outOfMemory ? " for lack of heap (raise maxHeapBytes)" : "") + ": " + cause)
            .cause(cause)
            .exitStatus(0)
            .toException();
      }
      if (result.valueComplete()) {
        try {
          return deserialize.apply(new Input(result.valueBytes(), 64 * 1024));
        } catch (RuntimeException | LinkageError e) {
          throw new Facts(
                  Reason.DESERIALIZATION_FAILED,
                  "the callable returned in child " + pid + ", but its result (" + result.valueLength()
                      + " bytes) could not be deserialized in the caller: " + e)
              .cause(e)
              .exitStatus(0)
              .toException();
        }
      }
      throw new Facts(
              Reason.CALLABLE_PROCESS_DIED_DURING_EXECUTION,
              "child " + pid + " exited with status 0 without writing a "
                  + (result.truncated() || result.valueLength() > 0 ? "complete " : "") + "result"
                  + " (did native code call exit(0)?)" + stderrHint(exited.output()))
          .exitStatus(0)
          .crashReport(CrashReports.of(crashDirectory, pid, exited.output()))
          .toException();
    }
    if (status.exited()
        && status.exitStatus() == ChildRecords.EXIT_RESULT_WRITE_FAILED
        && !result.valueComplete()
        && result.threw() == null) {
      throw new Facts(
              Reason.CHILD_PIPE_WRITE_FAILED,
              "the callable ran in child " + pid + ", but the child could not write its outcome to the result pipe")
          .exitStatus(status.exitStatus())
          .toException();
    }
    Facts facts =
        new Facts(
                Reason.UNEXPECTED_CHILD_EXIT_STATUS,
                "child " + pid + " " + status + " without writing a result" + stderrHint(exited.output()))
            .crashReport(CrashReports.of(crashDirectory, pid, exited.output()));
    if (status.exited()) {
      facts.exitStatus(status.exitStatus());
    }
    throw facts.toException();
  }

  private Facts killedBySignal(int pid, WaitStatus status, ChildOutput output) {
    CrashReport report = CrashReports.of(crashDirectory, pid, output);
    StringBuilder message = new StringBuilder("child ").append(pid).append(" was killed by ").append(Signals.name(status.termSignal()));
    report.fatalSignal()
        .filter(original -> !original.equals(Signals.name(status.termSignal())))
        .ifPresent(original -> message.append(" after ").append(original));
    report.problematicFrame().ifPresent(frame -> message.append(" in ").append(frame));
    report.hsErrFile().ifPresentOrElse(
        file -> message.append("; see ").append(file),
        () -> message.append(stderrHint(output)));
    return new Facts(Reason.CHILD_PROCESS_KILLED_BY_SIGNAL, message.toString())
        .signal(status.termSignal())
        .crashReport(report);
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
