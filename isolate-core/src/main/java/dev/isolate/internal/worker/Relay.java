package dev.isolate.internal.worker;

import dev.isolate.internal.wire.Frame;
import dev.isolate.internal.wire.WorkerStep;
import dev.isolate.posix.Errno;
import dev.isolate.posix.NativeBuffer;
import dev.isolate.posix.SyscallException;
import dev.isolate.posix.Syscalls;

/**
 * Relays what children write to the caller: each read from a child's pipe becomes one {@link
 * Frame.Stream}, put together in place in one native buffer (header first, the bytes read right
 * behind it), so that relayed bytes never pass through the Java heap.
 */
final class Relay {
  /** The most bytes relayed in one frame. */
  static final int CHUNK = Forker.PIPE_BYTES;

  private final Syscalls syscalls;
  private final ProtocolOut out;
  private final NativeBuffer buffer;
  private final Reaper reaper;

  Relay(Syscalls syscalls, ProtocolOut out, NativeBuffer buffer, Reaper reaper) {
    this.syscalls = syscalls;
    this.out = out;
    this.buffer = buffer;
    this.reaper = reaper;
  }

  /**
   * Relays what {@code stream} of {@code child} has. At its end, closes it, and once all three have
   * ended tells the caller that the child's output is complete.
   */
  void relay(Child child, int stream) {
    int fd = child.fds[stream];
    if (fd < 0) {
      return;
    }
    int n;
    try {
      n = syscalls.read(fd, buffer, Frame.HEADER_BYTES, CHUNK);
    } catch (SyscallException e) {
      if (e.errno() == Errno.EINTR || e.errno() == Errno.EAGAIN) {
        return;
      }
      reaper.fail(child, WorkerStep.READ, e.errno(), 0);
      return;
    }
    if (n == 0) {
      reaper.closeStream(child, stream);
      if (child.pipesClosed()) {
        out.send(new Frame.OutputEnded(child.callId));
      }
      return;
    }
    if (stream == Child.RESULT) {
      child.setUp = true;
    }
    Frame.Stream.writeHeader(buffer, Child.FRAME_TYPES[stream], child.callId, n);
    out.sendInPlace(buffer, Frame.HEADER_BYTES + n);
  }
}
