package dev.isolate.junit;

import dev.isolate.MemIsolateException;

/**
 * A {@link ProcessIsolated} test whose child did not finish it: it crashed, exited, hung past its
 * timeout, or could not be run (its test instance, arguments or dynamic test could not be copied to
 * a child). The message gives the category, the reason and the facts, or why the test did not run
 * and what to change; the cause is the isolate failure itself.
 */
public final class IsolatedTestFailure extends AssertionError {
  private static final long serialVersionUID = 1L;

  IsolatedTestFailure(String message, MemIsolateException cause) {
    super(message, cause);
  }
}
