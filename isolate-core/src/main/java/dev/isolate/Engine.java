package dev.isolate;

import dev.isolate.internal.wire.CallLimits;
import java.util.concurrent.CompletableFuture;

/**
 * How an {@link Isolator} runs its calls: in children of worker images ({@link ForkingEngine}), or,
 * in a JVM that is itself a worker image or one of its children, where the call is already
 * isolated, in place ({@link InPlaceEngine}).
 */
sealed interface Engine permits ForkingEngine, InPlaceEngine {
  /** Runs {@code callable}, waiting for its value. */
  Object execute(IsolatedCallable<?> callable, CallLimits limits) throws MemIsolateException;

  /** Runs {@code callable}, returning at once. */
  <T> CompletableFuture<T> submit(IsolatedCallable<T> callable, CallLimits limits);

  /** Ends what the engine runs; idempotent. */
  void close();
}
