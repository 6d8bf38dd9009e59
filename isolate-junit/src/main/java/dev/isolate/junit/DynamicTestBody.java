package dev.isolate.junit;

import dev.isolate.IsolatedCallable;
import org.junit.jupiter.api.function.Executable;

/**
 * A dynamic test's {@link Executable}, sent to the child, with the test instances of its factory
 * (so that an {@code Executable} that captured a {@code @Nested} instance finds its enclosing
 * instance there: Kryo copies an object once, however many times it is referred to).
 */
final class DynamicTestBody implements IsolatedCallable<Void> {
  private static final long serialVersionUID = 1L;
  private final Object[] instances;
  private final Executable executable;

  DynamicTestBody(Object[] instances, Executable executable) {
    this.instances = instances;
    this.executable = executable;
  }

  @Override
  public Void call() throws Exception {
    TestBody.relinkEnclosing(instances);
    try {
      executable.execute();
    } catch (Exception | Error e) {
      throw e;
    } catch (Throwable other) {
      // Neither an Exception nor an Error: a Throwable of its own kind, carried as the cause.
      throw new IllegalStateException("the dynamic test threw " + other, other);
    }
    return null;
  }
}
