package dev.isolate.internal.host;

import dev.isolate.internal.wire.Frames;
import dev.isolate.internal.wire.ResultStream;
import dev.isolate.internal.wire.WorkerStep;
import dev.isolate.posix.WaitStatus;
import java.util.List;
import java.util.Optional;

/** The facts of one call as the caller collected them, before classification. */
public sealed interface CallOutcome {

  /** Output of the child, where there was one. */
  ChildOutput output();

  /** The child was reaped; {@code resultChunks} is everything it wrote on its result pipe. */
  record ChildExited(
      int childPid,
      WaitStatus status,
      int flags,
      long elapsedNanos,
      Usage usage,
      List<byte[]> resultChunks,
      ChildOutput output)
      implements CallOutcome {

    /** The worker image killed it because the call's deadline passed. */
    public boolean killedAtDeadline() {
      return (flags & Frames.EXITED_KILLED_AT_DEADLINE) != 0;
    }

    /** The worker image killed it because it got stuck before its callable. */
    public boolean killedInSetup() {
      return (flags & Frames.EXITED_KILLED_IN_SETUP) != 0;
    }

    /** The worker image killed it because the caller cancelled the call. */
    public boolean killedOnCancel() {
      return (flags & Frames.EXITED_CANCELLED) != 0;
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
