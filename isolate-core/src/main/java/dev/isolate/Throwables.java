package dev.isolate;

import dev.isolate.internal.wire.ThrowableCodec;
import java.lang.reflect.Constructor;
import java.util.List;

/** Rebuilds, in the caller, an exception chain the child encoded with {@link ThrowableCodec}. */
final class Throwables {
  private Throwables() {}

  /** The outermost exception of the chain, with its causes; never null for a non-empty chain. */
  static Throwable rebuild(byte[] encoded, ClassLoader loader) {
    List<ThrowableCodec.Link> chain = ThrowableCodec.read(encoded);
    Throwable cause = null;
    for (int i = chain.size() - 1; i >= 0; i--) {
      cause = rebuildOne(chain.get(i), cause, loader);
    }
    return cause;
  }

  private static Throwable rebuildOne(
      ThrowableCodec.Link link, Throwable cause, ClassLoader loader) {
    Throwable rebuilt = instantiate(link, cause, loader);
    if (rebuilt == null) {
      rebuilt = new RemoteThrowable(link.className(), link.message());
      if (cause != null) {
        rebuilt.initCause(cause);
      }
    }
    rebuilt.setStackTrace(link.stackTrace());
    return rebuilt;
  }

  /** The same class with the same message, or null if that class cannot be made here. */
  private static Throwable instantiate(
      ThrowableCodec.Link link, Throwable cause, ClassLoader loader) {
    Class<? extends Throwable> type;
    try {
      type = Class.forName(link.className(), false, loader).asSubclass(Throwable.class);
    } catch (ClassNotFoundException | ClassCastException | LinkageError e) {
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
