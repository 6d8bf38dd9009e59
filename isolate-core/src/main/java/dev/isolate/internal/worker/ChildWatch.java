package dev.isolate.internal.worker;

/**
 * Kills the children that must not go on: one past its call's deadline, and one stuck in the
 * library's own code before its callable. The kill is reported like any end, with its reason
 * flagged in {@link dev.isolate.internal.wire.WorkerFrame.Exited}; the caller sends a stuck call
 * once more, since its callable did not run.
 */
final class ChildWatch {
  private final Reaper reaper;

  /**
   * How long a child that has not reached its callable may sit blocked on a lock (in {@code futex})
   * without using any CPU before it is taken for stuck. Seen for real, once in about 100 000 forks:
   * a child loading a class waits forever for HotSpot's {@code ThreadCritical} lock, which the
   * worker's WatcherThread held (cleaning the chunk pool, every 5 s) at the instant of the fork.
   */
  private final long stuckNanos;

  ChildWatch(Reaper reaper, long stuckNanos) {
    this.reaper = reaper;
    this.stuckNanos = stuckNanos;
  }

  /**
   * Kills {@code child} if its deadline has passed, or if it has not reached its callable within
   * its set-up limit or, on a {@code sweep}, sits on a lock without using CPU.
   */
  void check(Child child, long now, boolean sweep) {
    if (child.deadline != 0 && !child.killedAtDeadline && now - child.deadline >= 0) {
      child.killedAtDeadline = true;
      reaper.kill(child);
    }
    if (!child.spare()
        && !child.setUp
        && !child.killedInSetup
        && !child.done
        && !child.pipesClosed()
        && (now - child.setupDeadline >= 0 || (sweep && stuckOnALock(child, now)))) {
      child.killedInSetup = true;
      reaper.kill(child);
    }
  }

  /**
   * Whether a child that has not reached its callable has been blocked in {@code futex} without
   * using CPU for {@link #stuckNanos}. Reads {@code /proc}, which allocates: only children this
   * late get here.
   */
  private boolean stuckOnALock(Child child, long now) {
    if (now - child.unchangedSince < stuckNanos / 2) {
      return false;
    }
    ChildState state = ChildState.read(child.pid);
    if (state == null) {
      return false;
    }
    if (!state.blockedOnALock() || state.cpuTicks() != child.cpuTicks) {
      child.cpuTicks = state.cpuTicks();
      child.unchangedSince = now;
      return false;
    }
    return now - child.unchangedSince >= stuckNanos;
  }
}
