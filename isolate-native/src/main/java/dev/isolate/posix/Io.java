package dev.isolate.posix;

/**
 * The one loop that retries a system call interrupted by a signal, and the one write that writes
 * everything. {@link Syscalls} itself never retries: whether a retry is safe is the caller's call,
 * and these are for callers that have decided it is.
 */
public final class Io {
  private Io() {}

  /** A system call, for {@link #retryOnEintr}. */
  @FunctionalInterface
  public interface Call<T> {
    T run() throws SyscallException;
  }

  /** Runs {@code call} until it returns or fails with something other than {@code EINTR}. */
  public static <T> T retryOnEintr(Call<T> call) throws SyscallException {
    while (true) {
      try {
        return call.run();
      } catch (SyscallException e) {
        if (e.errno() != Errno.EINTR) {
          throw e;
        }
      }
    }
  }

  /**
   * Writes {@code length} bytes of {@code buffer} from {@code offset} to a blocking {@code fd},
   * through short writes and {@code EINTR}.
   */
  public static void writeFully(
      Syscalls syscalls, int fd, NativeBuffer buffer, int offset, int length)
      throws SyscallException {
    int done = 0;
    while (done < length) {
      int at = offset + done;
      int left = length - done;
      done += retryOnEintr(() -> syscalls.write(fd, buffer, at, left));
    }
  }
}
