package dev.isolate.internal.host;

/** The worker image did not start; the message says why, with its stderr. */
public final class WorkerStartException extends Exception {
  private static final long serialVersionUID = 1L;

  public WorkerStartException(String message) {
    super(message);
  }

  public WorkerStartException(String message, Throwable cause) {
    super(message, cause);
  }
}
