package dev.isolate.bench;

import java.util.concurrent.Callable;
import java.util.function.Predicate;

/**
 * Call by call timing, with every result checked: a benchmark of wrong answers measures nothing.
 */
final class Timing {
  private Timing() {}

  /**
   * Times {@code calls} calls one at a time after {@code warmUp} untimed ones, checking every
   * result.
   */
  static <T> Samples time(
      Callable<T> call, int warmUp, int calls, Predicate<T> expected, String what)
      throws Exception {
    for (int i = 0; i < warmUp; i++) {
      check(call.call(), expected, what);
    }
    long[] nanos = new long[calls];
    for (int i = 0; i < calls; i++) {
      long start = System.nanoTime();
      T result = call.call();
      nanos[i] = System.nanoTime() - start;
      check(result, expected, what);
    }
    return Samples.of(nanos);
  }

  /** Times {@code calls} calls, each after a pause of {@code paceMillis} that is not timed. */
  static <T> Samples timePaced(
      Callable<T> call, int calls, long paceMillis, Predicate<T> expected, String what)
      throws Exception {
    long[] nanos = new long[calls];
    for (int i = 0; i < calls; i++) {
      Thread.sleep(paceMillis);
      long start = System.nanoTime();
      T result = call.call();
      nanos[i] = System.nanoTime() - start;
      check(result, expected, what);
    }
    return Samples.of(nanos);
  }

  static <T> void check(T result, Predicate<T> expected, String what) {
    if (!expected.test(result)) {
      throw new UnexpectedResultException(what + " returned an unexpected result: " + result);
    }
  }

  /** A call returned, but not what it should have: its own class, so that a cell can say so. */
  static final class UnexpectedResultException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    UnexpectedResultException(String message) {
      super(message);
    }
  }
}
