package dev.isolate.internal.worker;

import dev.isolate.internal.wire.ByteWriter;
import dev.isolate.internal.wire.Frame;
import dev.isolate.internal.wire.WorkerFrame;
import dev.isolate.posix.Io;
import dev.isolate.posix.NativeBuffer;
import dev.isolate.posix.SyscallException;
import dev.isolate.posix.Syscalls;

/**
 * The worker image's frames to the caller, on the protocol descriptor. Reuses one array and one
 * native buffer: it runs several times per call in a heap that is never collected.
 */
final class ProtocolOut {
  private final Syscalls syscalls;
  private final int fd;
  private final ByteWriter frame = new ByteWriter(256);
  private NativeBuffer staging;
  private final Runtime runtime = Runtime.getRuntime();

  /** {@code System.nanoTime()} of the last write: a heartbeat is due a second after it. */
  private long lastSent = System.nanoTime();

  /** The caller is gone: writing to the protocol failed. The worker image stops. */
  static final class CallerGone extends RuntimeException {
    private static final long serialVersionUID = 1L;

    CallerGone(SyscallException cause) {
      super(cause);
    }
  }

  ProtocolOut(Syscalls syscalls, int fd) {
    this.syscalls = syscalls;
    this.fd = fd;
    this.staging = syscalls.allocate(256);
  }

  /** The magic that starts the protocol, then {@link WorkerFrame.Ready}. */
  void ready(int workerPid) {
    frame.reset().putBytes(Frame.MAGIC, 0, Frame.MAGIC.length);
    new WorkerFrame.Ready(workerPid).encode(frame);
    flush();
  }

  /** Sends a heartbeat if nothing was sent for {@code quietNanos}; the nanos until one is due. */
  long heartbeat(long now, long quietNanos) {
    long due = lastSent + quietNanos - now;
    if (due <= 0) {
      send(WorkerFrame.Heartbeat.INSTANCE);
      return quietNanos;
    }
    return due;
  }

  void send(Frame message) {
    frame.reset();
    message.encode(frame);
    flush();
  }

  /** A call's child was forked or given its call; with the heap in use, for recycling. */
  void started(long callId, int childPid) {
    // The caller recycles this worker image before its heap, never collected, crowds out the
    // children's.
    int heapUsedKiB = (int) ((runtime.totalMemory() - runtime.freeMemory()) >> 10);
    send(new WorkerFrame.Started(callId, childPid, heapUsedKiB));
  }

  /** Writes {@code length} bytes of {@code buffer}, a frame put together in place (a relay). */
  void sendInPlace(NativeBuffer buffer, int length) {
    write(buffer, length);
  }

  private void flush() {
    if (frame.size() > staging.capacity()) {
      staging = syscalls.allocate(Math.max(frame.size(), 2 * staging.capacity()));
    }
    staging.put(0, frame.array(), 0, frame.size());
    write(staging, frame.size());
  }

  private void write(NativeBuffer buffer, int length) {
    lastSent = System.nanoTime();
    try {
      Io.writeFully(syscalls, fd, buffer, 0, length);
    } catch (SyscallException e) {
      throw new CallerGone(e);
    }
  }
}
