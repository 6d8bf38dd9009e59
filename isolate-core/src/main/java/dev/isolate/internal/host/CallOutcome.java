package dev.isolate.internal.host;

import dev.isolate.internal.wire.ResultStream;
import dev.isolate.internal.wire.WorkerFrame;
import dev.isolate.internal.wire.WorkerStep;
import dev.isolate.posix.WaitStatus;
import java.util.Optional;

/** The facts of one call as the caller collected them, before classification. */
public sealed interface CallOutcome {

  /** Output of the child, where there was one. */
  ChildOutput output();

  /** The child was reaped; {@code result} is everything it wrote on its result pipe. */
  record ChildExited(
      int childPid,
      WaitStatus status,
      boolean killedAtDeadline,
      boolean killedInSetup,
      boolean killedOnCancel,
      boolean resultTooLarge,
      long elapsedNanos,
      Usage usage,
      ResultStream result,
      ChildOutput output)
      implements CallOutcome {

    static ChildExited of(
        WorkerFrame.Exited exited, long elapsedNanos, ResultStream result, ChildOutput output) {
      return new ChildExited(
          exited.childPid(),
          new WaitStatus(exited.waitStatus()),
          exited.killedAtDeadline(),
          exited.killedInSetup(),
          exited.cancelled(),
          exited.resultTooLarge(),
          elapsedNanos,
          new Usage(exited.cpuMillis(), exited.maxRssKiB()),
          result,
          output);
    }
  }

  /**
   * The child wrote its whole value and ended its output; it is about to exit, and is not reaped
   * yet. How it exits cannot change the outcome: the value is complete.
   */
  record ValueWritten(int childPid, long elapsedNanos, ResultStream result, ChildOutput output)
      implements CallOutcome {}

  /** What a reaped child used, as {@code wait4} reported it. */
  record Usage(int cpuMillis, int maxRssKiB) {}

  /** A system call of the worker image failed for this call. */
  record WorkerFailed(
      WorkerStep step,
      int errno,
      int childPid,
      Optional<WaitStatus> status,
      int value,
      ChildOutput output)
      implements CallOutcome {

    static WorkerFailed of(WorkerFrame.Failed failed, ChildOutput output) {
      return new WorkerFailed(
          failed.step(),
          failed.errno(),
          failed.childPid(),
          failed.reaped() ? Optional.of(new WaitStatus(failed.waitStatus())) : Optional.empty(),
          failed.value(),
          output);
    }
  }

  /**
   * The worker image had not ended the call well past its timeout: the caller ended it, and killed
   * the worker image, which had stopped doing its job.
   */
  record DeadlinePassed(
      long workerPid, int childPid, long timeoutNanos, long elapsedNanos, ChildOutput output)
      implements CallOutcome {}

  /** The worker image died with the call in flight. */
  record WorkerDied(long workerPid, String howItEnded, int childPid, ChildOutput output)
      implements CallOutcome {}

  /** The call never reached the worker image. */
  record NotDelivered(long workerPid, String why) implements CallOutcome {
    @Override
    public ChildOutput output() {
      return ChildOutput.NONE;
    }
  }
}
