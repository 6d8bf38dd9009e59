package dev.isolate;

import dev.isolate.internal.outcome.Failure;

/** {@link Category#DID_NOT_EXECUTE}: The callable never started: retrying is always safe. */
public final class CallableDidNotExecuteException extends MemIsolateException {
  private static final long serialVersionUID = 1L;

  CallableDidNotExecuteException(Failure failure) {
    super(failure);
    if (failure.reason().category() != Category.DID_NOT_EXECUTE) {
      throw new IllegalArgumentException(
          failure.reason() + " is not a " + Category.DID_NOT_EXECUTE + " reason");
    }
  }
}
