package dev.isolate;

import java.io.Serializable;

/**
 * A computation to run in a child process: a serializable {@link java.util.concurrent.Callable}.
 *
 * <p>A lambda assigned to this type is serializable, and so are the values it captures as long as
 * Kryo can write them: they are copied into the child, so mutations made there never reach the
 * caller's objects. The value returned travels back the same way.
 *
 * @param <T> the type of the result
 */
@FunctionalInterface
public interface IsolatedCallable<T> extends Serializable {

  /**
   * Computes the result, in the child process.
   *
   * @return the result, which must be serializable by Kryo
   * @throws Exception anything; it is rebuilt in the caller as the cause of a {@link
   *     CallableExecutedException} with reason {@link Reason#CALLABLE_THREW}
   */
  T call() throws Exception;
}
