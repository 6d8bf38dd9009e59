package dev.isolate.internal.worker;

import dev.isolate.internal.wire.ByteWriter;
import dev.isolate.internal.wire.ChildRecord;
import dev.isolate.internal.wire.SetupStep;
import dev.isolate.internal.wire.ThrowableCodec;
import dev.isolate.posix.Io;
import dev.isolate.posix.NativeBuffer;
import dev.isolate.posix.SyscallException;
import dev.isolate.posix.Syscalls;
import java.io.OutputStream;

/**
 * Writes a child's {@link ChildRecord}s on its result pipe, through one native buffer. If the pipe
 * fails, nothing else can be reported: the child leaves with {@link
 * ChildRecord#EXIT_RESULT_WRITE_FAILED}.
 */
final class ResultWriter {
  private final Syscalls syscalls;
  private final NativeBuffer buffer;

  /**
   * Written when even the report of an OutOfMemoryError cannot be encoded: made before any fork.
   */
  private final byte[] outOfMemoryReport;

  private final byte[] smallPayload = new byte[ChildRecord.SETUP_FAILED_BYTES];

  /** The result pipe while a callable runs in this process; -1 in the worker image itself. */
  private volatile int fd = -1;

  ResultWriter(Syscalls syscalls, NativeBuffer buffer) {
    this.syscalls = syscalls;
    this.buffer = buffer;
    OutOfMemoryError prepared =
        new OutOfMemoryError("Java heap space (the child could not encode the original error)");
    prepared.setStackTrace(new StackTraceElement[0]);
    ByteWriter out = new ByteWriter(256);
    ThrowableCodec.write(out, prepared);
    this.outOfMemoryReport = out.toByteArray();
  }

  /** Points the records at {@code resultFd}; -1 restores "not a child". */
  void useFd(int resultFd) {
    fd = resultFd;
  }

  /** Whether this process is a child with a result pipe (false in the worker image). */
  boolean inChild() {
    return fd >= 0;
  }

  int fd() {
    return fd;
  }

  void callableStarting() {
    record(ChildRecord.CALLABLE_STARTING, smallPayload, 0, 0);
  }

  void setupFailed(SetupStep step, int errno) {
    ChildRecord.writeSetupFailed(smallPayload, step, errno);
    record(ChildRecord.SETUP_FAILED, smallPayload, 0, ChildRecord.SETUP_FAILED_BYTES);
  }

  /** The classes this child learned (see {@link Learner}), after its outcome, bounded. */
  void learned(byte[] shapes) {
    if (shapes.length <= ChildRecord.MAX_LEARNED_BYTES) {
      record(ChildRecord.LEARNED, shapes, 0, shapes.length);
    }
  }

  void exitCalled(int status) {
    ChildRecord.writeExitCalled(smallPayload, status);
    record(ChildRecord.EXIT_CALLED, smallPayload, 0, ChildRecord.EXIT_CALLED_BYTES);
  }

  /**
   * An exception chain as a record of {@code kind}; the prepared report if it cannot be encoded.
   */
  void throwable(byte kind, Throwable thrown) {
    byte[] encoded;
    int length;
    try {
      ByteWriter out = new ByteWriter(4096);
      ThrowableCodec.write(out, thrown);
      encoded = out.array();
      length = out.size();
    } catch (Throwable encodingFailed) {
      encoded = outOfMemoryReport;
      length = outOfMemoryReport.length;
    }
    record(kind, encoded, 0, length);
  }

  /** Where Kryo writes the value: {@link ChildRecord#VALUE_PART}s, then {@link #endValue}. */
  OutputStream valueParts() {
    return new ValueParts();
  }

  /** Ends the value written to {@code parts}. */
  void endValue(OutputStream parts) {
    ((ValueParts) parts).end();
  }

  /** Writes the prepared report of an out-of-memory error; for when nothing else works. */
  void outOfMemory(byte kind) {
    record(kind, outOfMemoryReport, 0, outOfMemoryReport.length);
  }

  /** Writes one record, in pieces of the buffer's size. */
  private void record(byte kind, byte[] payload, int offset, int length) {
    ChildRecord.writeHeader(buffer, 0, kind, length);
    int headerLength = ChildRecord.HEADER_BYTES;
    int sent = 0;
    do {
      int piece = Math.min(length - sent, buffer.capacity() - headerLength);
      buffer.put(headerLength, payload, offset + sent, piece);
      writeFully(headerLength + piece);
      sent += piece;
      headerLength = 0;
    } while (sent < length);
  }

  private void writeFully(int length) {
    try {
      Io.writeFully(syscalls, fd, buffer, 0, length);
    } catch (SyscallException e) {
      syscalls.exitImmediately(ChildRecord.EXIT_RESULT_WRITE_FAILED);
    }
  }

  /**
   * Kryo's sink: gathers the value in the buffer, behind room for a record header, and writes a
   * {@link ChildRecord#VALUE_PART} each time the buffer is full; {@link #end} writes the last part
   * and {@link ChildRecord#VALUE_END} together. Few, large writes: each one wakes the worker image,
   * which relays it.
   */
  private final class ValueParts extends OutputStream {
    /** Value bytes in the buffer, after the header room. */
    private int pending;

    @Override
    public void write(int b) {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] bytes, int offset, int length) {
      while (length > 0) {
        int room = buffer.capacity() - 2 * ChildRecord.HEADER_BYTES - pending;
        if (room == 0) {
          writePart(0);
          continue;
        }
        int piece = Math.min(room, length);
        buffer.put(ChildRecord.HEADER_BYTES + pending, bytes, offset, piece);
        pending += piece;
        offset += piece;
        length -= piece;
      }
    }

    /** Writes the gathered part, followed by {@code trailer} bytes already in place after it. */
    private void writePart(int trailer) {
      ChildRecord.writeHeader(buffer, 0, ChildRecord.VALUE_PART, pending);
      writeFully(ChildRecord.HEADER_BYTES + pending + trailer);
      pending = 0;
    }

    void end() {
      ChildRecord.writeHeader(buffer, ChildRecord.HEADER_BYTES + pending, ChildRecord.VALUE_END, 0);
      writePart(ChildRecord.HEADER_BYTES);
    }
  }
}
