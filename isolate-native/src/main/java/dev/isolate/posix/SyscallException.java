package dev.isolate.posix;

/**
 * A system call that failed, with the {@code errno} it set.
 *
 * <p>The errno is a field, never only inside the message, so that callers can classify on it.
 */
public final class SyscallException extends Exception {
  private static final long serialVersionUID = 1L;

  private final String call;
  private final int errno;

  public SyscallException(String call, int errno, String description) {
    super(call + " failed: " + Errno.name(errno) + " (errno " + errno + ", " + description + ")");
    this.call = call;
    this.errno = errno;
  }

  /** The name of the call that failed, e.g. {@code "fork"}. */
  public String call() {
    return call;
  }

  /** The {@code errno} the call set. */
  public int errno() {
    return errno;
  }
}
