package app;

import dev.isolate.IsolatedCallable;
import dev.isolate.MemIsolateException;

/**
 * The callables a launch mode is checked with: the application's own ({@link OwnWorkload}), or a
 * plugin's, whose lambdas live in classes that only the plugin's class loader can find.
 */
public interface Workload {
  /** Captures nothing and uses a dependency class; returns an {@link Answer}. */
  IsolatedCallable<String> plain();

  /** Captures application data and uses a dependency class; returns an {@link Answer}. */
  IsolatedCallable<String> capturing(Greeting greeting);

  /** Crashes the process it runs in with a SIGSEGV in native code. */
  IsolatedCallable<Long> crash();

  /** Returns the system property {@code name} of the process it runs in, as an {@link Answer}. */
  IsolatedCallable<String> property(String name);

  /**
   * Returns {@code Answer.of(StringUtils.reverse(input))}, computed in a child through a {@code
   * static final Isolator} field of the very class that declares the lambda.
   */
  String throughStaticIsolator(String input) throws MemIsolateException;
}
