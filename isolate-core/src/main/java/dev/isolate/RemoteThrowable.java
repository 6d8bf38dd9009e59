package dev.isolate;

import java.util.Objects;

/**
 * Stands in for an exception thrown in the child whose class could not be rebuilt in the caller (no
 * usable constructor, or not loadable here). It keeps the original class name, message and the
 * child's stack trace; its cause is the next exception of the child's cause chain.
 */
public final class RemoteThrowable extends Exception {
  private static final long serialVersionUID = 1L;

  private final String originalClassName;

  /**
   * A stand-in for an exception of class {@code originalClassName} (not loaded) with {@code
   * message}; the library makes these, and tests of code that handles them may too.
   */
  public RemoteThrowable(String originalClassName, String message) {
    super(message);
    this.originalClassName = Objects.requireNonNull(originalClassName);
  }

  /** The class of the exception the child threw, e.g. {@code "com.example.NativeLibException"}. */
  public String originalClassName() {
    return originalClassName;
  }

  @Override
  public String toString() {
    String message = getLocalizedMessage();
    return originalClassName
        + (message == null ? "" : ": " + message)
        + " (rebuilt from the child)";
  }
}
