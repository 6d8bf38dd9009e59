package dev.isolate;

import dev.isolate.internal.host.InheritedOptions;
import dev.isolate.internal.outcome.Failure;
import dev.isolate.internal.wire.CallLimits;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * The engine of an isolator built inside a worker image or one of its children: typically a {@code
 * static final Isolator} in the very class whose lambdas are isolated, whose initializer runs again
 * in every child. The call is already isolated, so its calls run in place, on the calling thread:
 * no JVM is launched and no file is made. A value comes back as it is; a throw fails the call with
 * {@link Reason#CALLABLE_THREW} and the exception as its cause, as it would from a child. Timeouts
 * and limits are those of the enclosing call; an isolator with a {@link Sandbox} refuses its calls
 * here, as the enclosing call's sandbox, not its own, would apply.
 */
final class InPlaceEngine implements Engine {
  private final Sandbox sandbox;
  private volatile boolean closed;

  InPlaceEngine(Sandbox sandbox) {
    this.sandbox = sandbox;
  }

  /** Whether this JVM is a worker image or one of its children. */
  static boolean applies() {
    return System.getProperty(InheritedOptions.WORKER_IMAGE_PROPERTY) != null;
  }

  @Override
  public Object execute(IsolatedCallable<?> callable, CallLimits limits)
      throws MemIsolateException {
    Objects.requireNonNull(callable, "callable");
    if (closed) {
      throw new IllegalStateException("this Isolator is closed");
    }
    if (!sandbox.isNone()) {
      // In place, the call would run in the enclosing child's sandbox, not in this one's.
      throw MemIsolateException.of(
          new Failure(
              Reason.CHILD_SETUP_FAILED,
              "an isolator with a sandbox ("
                  + sandbox
                  + ") cannot run a call inside an isolated call, where calls run in place; make"
                  + " the call from the caller, or give the enclosing isolator the sandbox; the"
                  + " callable did not run"));
    }
    try {
      return callable.call();
    } catch (Throwable thrown) {
      throw MemIsolateException.of(
          new Failure(
                  Reason.CALLABLE_THREW,
                  "the callable threw "
                      + thrown
                      + " in process "
                      + ProcessHandle.current().pid()
                      + ", where it ran in place: this isolator was built inside an isolated"
                      + " call, which is isolated already")
              .cause(thrown)
              .childPid((int) ProcessHandle.current().pid()));
    }
  }

  @Override
  @SuppressWarnings("unchecked")
  public <T> CompletableFuture<T> submit(IsolatedCallable<T> callable, CallLimits limits) {
    Objects.requireNonNull(callable, "callable");
    try {
      return CompletableFuture.completedFuture((T) execute(callable, limits));
    } catch (MemIsolateException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  @Override
  public void close() {
    closed = true;
  }
}
