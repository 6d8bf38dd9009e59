package dev.isolate;

/**
 * {@link Category#EXECUTED}: The callable ran: it threw (the cause), or its result could not be
 * returned. Retry only if it is idempotent.
 */
public final class CallableExecutedException extends MemIsolateException {
  private static final long serialVersionUID = 1L;

  CallableExecutedException(Facts facts) {
    super(facts);
    if (facts.reason.category() != Category.EXECUTED) {
      throw new IllegalArgumentException(
          facts.reason + " is not a " + Category.EXECUTED + " reason");
    }
  }
}
