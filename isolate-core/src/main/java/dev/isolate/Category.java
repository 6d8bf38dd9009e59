package dev.isolate;

/**
 * What a failure means for the callable: whether it ran, and so whether retrying is safe.
 *
 * <p>Retry logic keys on this; {@link Reason} says which operation failed.
 */
public enum Category {
  /** The callable never started. Retrying is always safe. */
  DID_NOT_EXECUTE,
  /**
   * The callable ran to its end (it threw, or its result could not be returned). Retry only if it
   * is idempotent.
   */
  EXECUTED,
  /**
   * The callable may have run, partly or fully: the child died, was killed, timed out, or the
   * worker image lost track of it. Retry only if it is idempotent.
   */
  STATUS_UNKNOWN;

  /**
   * Whether the callable certainly did not run, so that a retry cannot repeat any of its effects.
   */
  public boolean safeToRetry() {
    return this == DID_NOT_EXECUTE;
  }
}
