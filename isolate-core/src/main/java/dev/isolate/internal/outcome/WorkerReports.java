package dev.isolate.internal.outcome;

import dev.isolate.Reason;
import dev.isolate.internal.host.CallOutcome;
import dev.isolate.posix.Errno;
import dev.isolate.posix.WaitStatus;
import java.time.Duration;

/**
 * The part of the {@link Classification} for calls whose child the worker image did not reap: one
 * it never got, one it could not fork or watch (a system call of its own failed), and one in flight
 * when it died.
 */
final class WorkerReports {
  private WorkerReports() {}

  /** The failure of a call whose child was not reaped: the worker image reports why. */
  static Failure failure(CallOutcome outcome, CrashFacts crash) {
    if (outcome instanceof CallOutcome.NotDelivered notDelivered) {
      return new Failure(
          Reason.WORKER_UNAVAILABLE,
          "the call never reached the worker image (pid "
              + notDelivered.workerPid()
              + "): "
              + notDelivered.why()
              + "; the callable did not run, and the next call starts a new worker image");
    }
    if (outcome instanceof CallOutcome.DeadlinePassed passed) {
      Duration timeout = Duration.ofNanos(passed.timeoutNanos());
      return new Failure(
              Reason.TIMED_OUT,
              "the call ran past its timeout of "
                  + timeout.toMillis()
                  + " ms, and the worker image"
                  + " (pid "
                  + passed.workerPid()
                  + ") had not ended it "
                  + passed.elapsedNanos() / 1_000_000
                  + " ms after it was sent: the caller ended"
                  + " the call and killed the worker image, with "
                  + (passed.childPid() > 0 ? "child " + passed.childPid() : "the call's child")
                  + "; the callable may have done part of its work")
          .timeout(timeout)
          .elapsed(Duration.ofNanos(passed.elapsedNanos()));
    }
    if (outcome instanceof CallOutcome.WorkerDied died) {
      String child =
          died.childPid() > 0
              ? "child " + died.childPid() + " was killed with it"
              : "no child had been forked yet";
      return new Failure(
              Reason.WORKER_DIED,
              "the worker image (pid "
                  + died.workerPid()
                  + ") "
                  + died.howItEnded()
                  + " while the call was in flight ("
                  + child
                  + "); the next call starts a new worker image")
          .crash(
              crash != null
                  ? crash
                  : CrashFacts.ofOutput(died.output().stdoutTail(), died.output().stderrTail()));
    }
    return workerFailed((CallOutcome.WorkerFailed) outcome);
  }

  private static Failure workerFailed(CallOutcome.WorkerFailed failed) {
    String errno = Errno.name(failed.errno()) + " (errno " + failed.errno() + ")";
    Failure failure =
        switch (failed.step()) {
          case PIPE ->
              new Failure(
                      Reason.PIPE_CREATION_FAILED,
                      "the worker image could not create the child's pipes: "
                          + errno
                          + "; the callable did not run")
                  .errno(failed.errno());
          case FORK ->
              new Failure(
                      Reason.FORK_FAILED,
                      "fork() failed in the worker image: "
                          + errno
                          + "; the callable did not run"
                          + (failed.errno() == Errno.EAGAIN
                              ? " (EAGAIN: the process limit or memory is exhausted)"
                              : ""))
                  .errno(failed.errno());
          case CLOSE_CHILD_ENDS ->
              new Failure(
                      Reason.PARENT_PIPE_CLOSE_FAILED,
                      "the worker image could not close its copy of child "
                          + failed.childPid()
                          + "'s pipes: "
                          + errno
                          + "; the child was killed, the callable may have"
                          + " started")
                  .errno(failed.errno());
          case READ ->
              new Failure(
                      Reason.PARENT_PIPE_READ_FAILED,
                      "reading child "
                          + failed.childPid()
                          + "'s pipe failed: "
                          + errno
                          + "; the child was killed, the callable may have run")
                  .errno(failed.errno());
          case WAIT ->
              new Failure(
                      Reason.WAIT_FAILED,
                      "waitpid("
                          + failed.childPid()
                          + ") failed: "
                          + errno
                          + "; the child was killed, the callable may have run")
                  .errno(failed.errno());
          case WAIT_RETURNED_OTHER_PID ->
              new Failure(
                  Reason.UNEXPECTED_WAITPID_RETURN_VALUE,
                  "waitpid("
                      + failed.childPid()
                      + ") returned "
                      + failed.value()
                      + "; the child was killed, the callable may have run");
          case NOT_FORK_SAFE ->
              new Failure(
                  Reason.WORKER_UNAVAILABLE,
                  "the worker image no longer forks: a class it initialized ahead broke fork"
                      + " safety, and it was replaced; the callable did not run");
        };
    failed.status().filter(WaitStatus::signaled).ifPresent(s -> failure.signal(s.termSignal()));
    return failure;
  }
}
