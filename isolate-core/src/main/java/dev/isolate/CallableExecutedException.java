package dev.isolate;

import dev.isolate.internal.outcome.Failure;

/**
 * {@link Category#EXECUTED}: The callable ran: it threw (the cause), or its result could not be
 * returned. Retry only if it is idempotent.
 */
public final class CallableExecutedException extends MemIsolateException {
  private static final long serialVersionUID = 1L;

  CallableExecutedException(Failure failure) {
    super(failure);
    if (failure.reason().category() != Category.EXECUTED) {
      throw new IllegalArgumentException(
          failure.reason() + " is not a " + Category.EXECUTED + " reason");
    }
  }
}
