package dev.isolate.internal.wire;

/**
 * The worker image's operations that can fail for one call, as a {@link WorkerFrame.Failed} names
 * them.
 */
public enum WorkerStep {
  /** Creating the child's pipes. */
  PIPE,
  /** {@code fork()}. */
  FORK,
  /** Closing the worker's copy of the child's write ends. */
  CLOSE_CHILD_ENDS,
  /** Reading one of the child's pipes. */
  READ,
  /** {@code waitpid()} failed. */
  WAIT,
  /** {@code waitpid()} returned another pid than the child's (in {@code value}). */
  WAIT_RETURNED_OTHER_PID,
  /**
   * None: the worker image no longer forks, as a class it initialized ahead broke fork safety (see
   * {@link WorkerFrame.Preloading}); the call did not run, and goes to its successor.
   */
  NOT_FORK_SAFE
}
