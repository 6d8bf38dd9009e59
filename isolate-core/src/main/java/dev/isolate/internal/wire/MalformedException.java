package dev.isolate.internal.wire;

/** Bytes that do not form what the protocol says they must; the message says what was wrong. */
public final class MalformedException extends Exception {
  private static final long serialVersionUID = 1L;

  public MalformedException(String message) {
    super(message);
  }
}
