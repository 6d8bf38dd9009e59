package dev.isolate.bench;

import dev.isolate.MemIsolateException;
import dev.isolate.RemoteThrowable;
import java.util.Collections;
import java.util.List;
import java.util.function.Function;

/**
 * What one measurement came to: its figures, or why it has none. A row that was skipped, or whose
 * callable or suite failed, says so in its cells, so that one failure costs its own cells and not
 * the whole run.
 */
sealed interface Outcome<T> permits Outcome.Measured, Outcome.NotMeasured {
  /** How a cell of a failed measurement starts; such a cell is never a number. */
  String FAILED = "failed: ";

  /** How a cell of a measurement skipped here starts. */
  String SKIPPED = "skipped: ";

  record Measured<T>(T figures) implements Outcome<T> {}

  /** {@code why} is what each of the measurement's cells says instead of a figure. */
  record NotMeasured<T>(String why) implements Outcome<T> {}

  static <T> Outcome<T> measured(T figures) {
    return new Measured<>(figures);
  }

  static <T> Outcome<T> failed(String why) {
    return new NotMeasured<>(FAILED + why);
  }

  /**
   * A failure told by what was thrown, short enough for a table cell (the stack trace is for
   * standard error): an isolated call's reason and the class of what the callable threw, say {@code
   * failed: CALLABLE_THREW (AssertionError)}, or else the class of the exception.
   */
  static <T> Outcome<T> failed(Exception e) {
    if (!(e instanceof MemIsolateException isolation)) {
      return failed(e.getClass().getSimpleName());
    }
    Throwable cause = isolation.getCause();
    if (cause == null) {
      return failed(isolation.reason().toString());
    }
    String thrown =
        cause instanceof RemoteThrowable remote
            ? remote.originalClassName().substring(remote.originalClassName().lastIndexOf('.') + 1)
            : cause.getClass().getSimpleName();
    return failed(isolation.reason() + " (" + thrown + ")");
  }

  /** Why the first of {@code outcomes} that has no figures has none. */
  static String whyNot(Outcome<?>... outcomes) {
    for (Outcome<?> outcome : outcomes) {
      if (outcome instanceof NotMeasured<?> notMeasured) {
        return notMeasured.why();
      }
    }
    throw new IllegalArgumentException("every outcome was measured");
  }

  /**
   * The cells of this outcome: those {@code cells} makes of its figures, or else its reason in each
   * of {@code width} cells.
   */
  default List<String> cells(Function<T, List<String>> cells, int width) {
    if (this instanceof Measured<T> measured) {
      return cells.apply(measured.figures());
    }
    return Collections.nCopies(width, whyNot(this));
  }
}
