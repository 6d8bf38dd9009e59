package dev.isolate.internal.outcome;

import dev.isolate.RemoteThrowable;
import dev.isolate.internal.wire.ThrowableCodec;
import java.lang.reflect.Constructor;
import java.util.List;

/**
 * Rebuilds, in the caller, an exception the child encoded with {@link ThrowableCodec}: each of its
 * exceptions as its own class with its message where the result policy allows that class and it can
 * be made here, else as a {@link RemoteThrowable}, with no code of its class run; with the child's
 * stack traces, causes and suppressed exceptions.
 */
public final class ThrowableRebuilder {
  private final ClassLoader loader;
  private final ResultPolicy policy;

  public ThrowableRebuilder(ClassLoader loader, ResultPolicy policy) {
    this.loader = loader;
    this.policy = policy;
  }

  /**
   * The exception thrown, with what it refers to; never null for a chain that {@code read} gave.
   */
  public Throwable rebuild(List<ThrowableCodec.Link> chain) {
    Throwable[] rebuilt = new Throwable[chain.size()];
    // Every reference points forward: building from the end makes causes before their owners.
    for (int i = chain.size() - 1; i >= 0; i--) {
      ThrowableCodec.Link link = chain.get(i);
      Throwable cause = link.cause() < 0 ? null : rebuilt[link.cause()];
      Throwable made = instantiate(link, cause);
      if (made == null) {
        made = new RemoteThrowable(link.className(), link.message());
        if (cause != null) {
          made.initCause(cause);
        }
      }
      made.setStackTrace(link.stackTrace());
      for (int s : link.suppressed()) {
        made.addSuppressed(rebuilt[s]);
      }
      rebuilt[i] = made;
    }
    return rebuilt[0];
  }

  /** The same class with the same message, or null if that class cannot be made here. */
  private Throwable instantiate(ThrowableCodec.Link link, Throwable cause) {
    Class<? extends Throwable> type;
    try {
      // Loaded, not initialized: the policy decides before any code of the class runs.
      type = Class.forName(link.className(), false, loader).asSubclass(Throwable.class);
    } catch (ClassNotFoundException | ClassCastException | LinkageError e) {
      return null;
    }
    if (!policy.allowsThrowable(type)) {
      return null;
    }
    try {
      Throwable made = construct(type, link.message(), cause);
      if (made == null || !sameMessage(made.getMessage(), link.message())) {
        return null;
      }
      if (cause != null && made.getCause() != cause) {
        made.initCause(cause);
      }
      return made;
    } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
      return null;
    }
  }

  private static Throwable construct(
      Class<? extends Throwable> type, String message, Throwable cause)
      throws ReflectiveOperationException {
    if (cause != null) {
      Constructor<? extends Throwable> withCause = find(type, String.class, Throwable.class);
      if (withCause != null) {
        return withCause.newInstance(message, cause);
      }
    }
    Constructor<? extends Throwable> withMessage = find(type, String.class);
    if (withMessage != null) {
      return withMessage.newInstance(message);
    }
    Constructor<? extends Throwable> none = message == null ? find(type) : null;
    return none == null ? null : none.newInstance();
  }

  private static Constructor<? extends Throwable> find(
      Class<? extends Throwable> type, Class<?>... parameters) {
    try {
      return type.getConstructor(parameters);
    } catch (NoSuchMethodException e) {
      return null;
    }
  }

  private static boolean sameMessage(String rebuilt, String original) {
    return original == null ? rebuilt == null : original.equals(rebuilt);
  }
}
