package dev.isolate.internal.host;

/**
 * What becomes of one call sent to a worker image, told once each, in this order, by the thread
 * that reads the worker image's frames (or by the sending thread, for a call that never got there).
 * Implementations must not block.
 */
public interface CallEvents {
  /**
   * The call's outcome is known: its child wrote a whole value ({@link CallOutcome.ValueWritten}),
   * or ended, or never started, or its worker image died. The call no longer occupies a child.
   */
  void outcome(CallOutcome outcome);

  /**
   * No process is left for the call: {@code last} is how its child ended (with what it used), or
   * the outcome itself where there was no child to wait for.
   */
  void childGone(CallOutcome last);
}
