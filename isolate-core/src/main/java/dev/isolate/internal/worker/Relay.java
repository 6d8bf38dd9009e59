package dev.isolate.internal.worker;

import dev.isolate.internal.wire.Frame;
import dev.isolate.internal.wire.WorkerFrame;
import dev.isolate.internal.wire.WorkerStep;
import dev.isolate.posix.Errno;
import dev.isolate.posix.NativeBuffer;
import dev.isolate.posix.SyscallException;
import dev.isolate.posix.Syscalls;

/**
 * Relays what children write to the caller: each read from a child's pipe becomes one {@link
 * WorkerFrame.Stream}, put together in place in one native buffer (header first, the bytes read
 * right behind it), so that relayed bytes never pass through the Java heap.
 */
final class Relay {
  /**
   * The most bytes relayed in one frame: large, so that a large value crosses in few copies, but
   * under half a megabyte, so that the caller's frame never becomes a humongous object of G1 (a 1
   * MiB array took two 1 MiB regions: a 128 MiB value held 256 MiB of the caller's heap).
   */
  static final int CHUNK = 256 * 1024;

  private final Syscalls syscalls;
  private final ProtocolOut out;
  private final NativeBuffer buffer;
  private final Reaper reaper;
  private final long maxOutputBytes;

  Relay(
      Syscalls syscalls, ProtocolOut out, NativeBuffer buffer, Reaper reaper, long maxOutputBytes) {
    this.syscalls = syscalls;
    this.out = out;
    this.buffer = buffer;
    this.reaper = reaper;
    this.maxOutputBytes = maxOutputBytes;
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
        out.send(
            new WorkerFrame.OutputEnded(
                child.callId, child.dropped[Child.STDOUT], child.dropped[Child.STDERR]));
      }
      return;
    }
    if (stream == Child.RESULT) {
      child.setUp = true;
    }
    child.read[stream] += n;
    int relayed = n;
    if (stream == Child.RESULT && child.read[stream] > child.maxResultBytes) {
      // A child that writes past the bound is killed; what it wrote past it is not relayed, so
      // that the caller never holds more than the bound for it.
      if (!child.resultTooLarge) {
        child.resultTooLarge = true;
        reaper.kill(child);
      }
      relayed = 0;
    } else if (stream != Child.RESULT && child.read[stream] > maxOutputBytes) {
      // Output past the bound is read, so that the child is not blocked, and dropped.
      relayed = (int) Math.max(0, n - (child.read[stream] - maxOutputBytes));
      child.dropped[stream] += n - relayed;
    }
    if (relayed > 0) {
      WorkerFrame.Stream.writeHeader(buffer, Child.FRAME_TYPES[stream], child.callId, relayed);
      out.sendInPlace(buffer, Frame.HEADER_BYTES + relayed);
    }
  }
}
