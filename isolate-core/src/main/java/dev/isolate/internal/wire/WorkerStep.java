package dev.isolate.internal.wire;

/**
 * The worker image's operations that can fail for one call, as sent in a {@link Frames#FAILED}
 * frame.
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
  WAIT_RETURNED_OTHER_PID;

  private static final WorkerStep[] VALUES = values();

  /** The step with this wire code. */
  public static WorkerStep ofCode(int code) {
    if (code < 0 || code >= VALUES.length) {
      throw new IllegalArgumentException("no worker step has code " + code);
    }
    return VALUES[code];
  }

  /** Its wire code. */
  public int code() {
    return ordinal();
  }
}
