package dev.isolate.internal.worker;

import dev.isolate.posix.NativeBuffer;
import dev.isolate.posix.SyscallException;
import dev.isolate.posix.Syscalls;

/**
 * Reads a small file of {@code /proc} with plain system calls into native memory, so that neither
 * the worker image's never-collected heap nor a child's full one is touched.
 */
final class ProcFile {
  private ProcFile() {}

  /** Reads {@code path} into {@code buffer}, as much as fits; returns how many bytes. */
  static int read(Syscalls syscalls, String path, NativeBuffer buffer) throws SyscallException {
    int fd = syscalls.open(path, Syscalls.O_RDONLY | Syscalls.O_CLOEXEC);
    int length = 0;
    try {
      int n;
      while (length < buffer.capacity()
          && (n = syscalls.read(fd, buffer, length, buffer.capacity() - length)) > 0) {
        length += n;
      }
    } finally {
      syscalls.close(fd);
    }
    return length;
  }
}
