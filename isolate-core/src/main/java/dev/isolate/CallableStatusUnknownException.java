package dev.isolate;

import dev.isolate.internal.outcome.Failure;

/**
 * {@link Category#STATUS_UNKNOWN}: The callable may have run: the child died, was killed or timed
 * out, or the worker image lost track of it. Retry only if it is idempotent.
 */
public final class CallableStatusUnknownException extends MemIsolateException {
  private static final long serialVersionUID = 1L;

  CallableStatusUnknownException(Failure failure) {
    super(failure);
    if (failure.reason().category() != Category.STATUS_UNKNOWN) {
      throw new IllegalArgumentException(
          failure.reason() + " is not a " + Category.STATUS_UNKNOWN + " reason");
    }
  }
}
