package dev.isolate.internal.worker;

import dev.isolate.posix.SyscallException;
import dev.isolate.posix.Syscalls;

/**
 * The descriptors of the caller's protocol, moved off 0 and 1 so that nothing printed by user code
 * (class initializers, the callable) can corrupt a frame.
 */
public record ProtocolStreams(int input, int output) {

  /**
   * Duplicates standard input and output for the protocol, then points standard input at {@code
   * /dev/null} and standard output at standard error.
   */
  public static ProtocolStreams takeOver(Syscalls syscalls) throws SyscallException {
    int input = syscalls.dup(0);
    int output = syscalls.dup(1);
    int devNull = syscalls.open("/dev/null", Syscalls.O_RDONLY);
    syscalls.dup2(devNull, 0);
    syscalls.close(devNull);
    syscalls.dup2(2, 1);
    return new ProtocolStreams(input, output);
  }
}
