package dev.isolate;

/**
 * The static front door: runs a callable in a child process of a shared, lazily created {@link
 * Isolator} with default settings, closed when the JVM shuts down.
 *
 * <pre>{@code
 * int answer = MemIsolate.executeInIsolatedProcess(() -> crashyNativeLib.compute(input));
 * }</pre>
 *
 * <p>For timeouts, heap budgets or JVM options, build an {@link Isolator}.
 */
public final class MemIsolate {
  private MemIsolate() {}

  /**
   * Runs {@code callable} in a child process of its own and returns its result.
   *
   * @throws NullPointerException if {@code callable} is null
   * @throws CallableDidNotExecuteException if the callable never started (safe to retry)
   * @throws CallableExecutedException if it threw (the cause) or its result could not be returned
   * @throws CallableStatusUnknownException if the child died or was killed
   * @see Isolator#execute
   */
  public static <T> T executeInIsolatedProcess(IsolatedCallable<T> callable)
      throws MemIsolateException {
    return DefaultIsolator.INSTANCE.execute(callable);
  }

  private static final class DefaultIsolator {
    static final Isolator INSTANCE = create();

    private static Isolator create() {
      Isolator isolator = Isolator.builder().build();
      Runtime.getRuntime()
          .addShutdownHook(new Thread(isolator::close, "isolate-default-isolator-shutdown"));
      return isolator;
    }
  }
}
