package dev.isolate;

/**
 * Told about every call of an {@link Isolator}, for metrics ({@link Isolator.Builder#listener}).
 *
 * <p>Called once per call, after its outcome, when its child is gone (for a call that returned a
 * value, a moment after the value: the child is reaped just after it). It runs on one of the
 * isolator's own threads, which also relays the worker image's output: keep it short and never
 * block in it. What it throws goes to that thread's uncaught-exception handler and changes nothing
 * else.
 */
@FunctionalInterface
public interface CallListener {
  /** One call has ended. */
  void callEnded(CallRecord record);
}
