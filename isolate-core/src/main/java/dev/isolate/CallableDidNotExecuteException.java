package dev.isolate;

/** {@link Category#DID_NOT_EXECUTE}: The callable never started: retrying is always safe. */
public final class CallableDidNotExecuteException extends MemIsolateException {
  private static final long serialVersionUID = 1L;

  CallableDidNotExecuteException(Facts facts) {
    super(facts);
    if (facts.reason.category() != Category.DID_NOT_EXECUTE) {
      throw new IllegalArgumentException(
          facts.reason + " is not a " + Category.DID_NOT_EXECUTE + " reason");
    }
  }
}
