package dev.isolate;

import static org.assertj.core.api.Assertions.assertThat;

/** Runs a call that must fail and hands back what it threw, for assertions on its facts. */
final class Failures {
  private Failures() {}

  /**
   * The {@link MemIsolateException} {@code call} throws; fails the test if it throws nothing else.
   */
  static MemIsolateException of(ThrowingCall call) {
    Throwable thrown = thrownBy(call);
    assertThat(thrown).isInstanceOf(MemIsolateException.class);
    return (MemIsolateException) thrown;
  }

  /** Whatever {@code call} throws; fails the test if it returns. */
  static Throwable thrownBy(ThrowingCall call) {
    try {
      call.run();
    } catch (Throwable t) {
      return t;
    }
    throw new AssertionError("expected the call to fail");
  }

  @FunctionalInterface
  interface ThrowingCall {
    void run() throws Exception;
  }
}
