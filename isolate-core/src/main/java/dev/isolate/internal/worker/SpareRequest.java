package dev.isolate.internal.worker;

import dev.isolate.internal.wire.Frame;
import dev.isolate.posix.Io;
import dev.isolate.posix.NativeBuffer;
import dev.isolate.posix.SyscallException;
import dev.isolate.posix.Syscalls;

/**
 * The call a spare child is given on its request pipe: {@code int length}, then the payload of the
 * call's frame (its limits, then the callable), as {@link SparePool#handOver} writes it.
 */
final class SpareRequest {
  private SpareRequest() {}

  /**
   * Reads the request through {@code buffer}, which holds any request a spare is given.
   *
   * @return the payload, or null if the pipe ended first or the length cannot be: the worker image
   *     discarded this spare, or died, and nobody waits for it
   */
  static byte[] read(Syscalls syscalls, int fd, NativeBuffer buffer) throws SyscallException {
    int have = 0;
    int needed = 4;
    boolean lengthKnown = false;
    while (have < needed) {
      int at = have;
      int want = needed - have;
      int n = Io.retryOnEintr(() -> syscalls.read(fd, buffer, at, want));
      if (n == 0) {
        return null;
      }
      have += n;
      if (!lengthKnown && have >= 4) {
        lengthKnown = true;
        needed = 4 + buffer.getInt(0);
        if (needed > buffer.capacity() || needed < 4 + Frame.Call.CALLABLE_OFFSET) {
          return null;
        }
      }
    }
    syscalls.close(fd);
    byte[] request = new byte[needed - 4];
    buffer.get(4, request, 0, request.length);
    return request;
  }
}
