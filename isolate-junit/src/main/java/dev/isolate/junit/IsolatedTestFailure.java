package dev.isolate.junit;

import dev.isolate.MemIsolateException;

/**
 * An {@link Isolated} test whose child did not finish it: it crashed, exited, hung past its
 * timeout, or could not be run. The message gives the category, the reason and the facts; the cause
 * is the isolate failure itself.
 */
public final class IsolatedTestFailure extends AssertionError {
  private static final long serialVersionUID = 1L;

  IsolatedTestFailure(String message, MemIsolateException cause) {
    super(message, cause);
  }
}
