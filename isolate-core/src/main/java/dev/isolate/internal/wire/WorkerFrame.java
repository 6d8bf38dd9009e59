package dev.isolate.internal.wire;

import dev.isolate.posix.NativeBuffer;

/**
 * The frames the worker image sends its caller, each a record that both ends use to write and to
 * read it (see {@link Frame} for the header they share).
 */
public final class WorkerFrame {
  private WorkerFrame() {}

  /**
   * The worker image is about to initialize {@code className} ahead of its children ({@code
   * refusal} empty), or it did and the class broke fork safety: {@code refusal} says how (a thread
   * started, a file opened for writing, a shutdown hook, a throw). After a refusal the worker image
   * forks no more children: it answers each call with {@link WorkerStep#NOT_FORK_SAFE}.
   */
  public record Preloading(String className, String refusal) implements Frame.AboutWorker {
    static final byte TYPE = 19;
    static final int MAX_BYTES = 64 * 1024;

    @Override
    public byte type() {
      return TYPE;
    }

    @Override
    public void writePayload(ByteWriter out) {
      out.putString(className).putString(refusal);
    }

    static Preloading read(ByteReader in) throws MalformedException {
      return new Preloading(in.getString(MAX_BYTES), in.getString(MAX_BYTES));
    }
  }

  /** The worker image is warm and serving. */
  public record Ready(int workerPid) implements Frame.AboutWorker {
    static final byte TYPE = 10;

    @Override
    public byte type() {
      return TYPE;
    }

    @Override
    public void writePayload(ByteWriter out) {
      out.putInt(workerPid);
    }
  }

  /**
   * The call's child was forked (or a spare was given the call); the worker image's heap, never
   * collected, had {@code workerHeapUsedKiB} in use.
   */
  public record Started(long callId, int childPid, int workerHeapUsedKiB) implements Frame {
    static final byte TYPE = 11;

    @Override
    public byte type() {
      return TYPE;
    }

    @Override
    public void writePayload(ByteWriter out) {
      out.putInt(childPid).putInt(workerHeapUsedKiB);
    }
  }

  /**
   * Bytes the child wrote to its result pipe ({@link #RESULT}, see {@link ChildRecord}), its
   * standard output or its standard error, relayed as they came.
   */
  public record Stream(byte type, long callId, byte[] bytes) implements Frame {
    public static final byte RESULT = 12;
    public static final byte STDOUT = 13;
    public static final byte STDERR = 14;

    @Override
    public void writePayload(ByteWriter out) {
      out.putBytes(bytes, 0, bytes.length);
    }

    /**
     * Writes the header of a stream frame of {@code payloadLength} bytes at the start of {@code
     * buffer}, in front of bytes already read into it at {@link #Frame.HEADER_BYTES}: relayed bytes
     * are never copied through the Java heap.
     */
    public static void writeHeader(NativeBuffer buffer, byte type, long callId, int payloadLength) {
      buffer.putInt(0, Frame.HEADER_BYTES - 4 + payloadLength);
      buffer.putByte(4, type);
      buffer.putLong(5, callId);
    }

    static Stream read(byte type, long callId, ByteReader in) throws MalformedException {
      // The reader hands over a payload array of its own: a relayed chunk is kept, not copied.
      return new Stream(type, callId, in.takeRest());
    }
  }

  /**
   * The child closed its result pipe and its standard output and error (it does so after its last
   * record, just before {@code _exit}): everything it wrote has been relayed, but for the bytes of
   * output dropped past the bound, and {@link Exited} follows once it is reaped.
   */
  public record OutputEnded(long callId, long stdoutDropped, long stderrDropped) implements Frame {
    static final byte TYPE = 17;

    @Override
    public byte type() {
      return TYPE;
    }

    @Override
    public void writePayload(ByteWriter out) {
      out.putLong(stdoutDropped).putLong(stderrDropped);
    }

    static OutputEnded read(long callId, ByteReader in) throws MalformedException {
      OutputEnded ended = new OutputEnded(callId, in.getLong(), in.getLong());
      if (ended.stdoutDropped < 0 || ended.stderrDropped < 0) {
        throw new MalformedException("negative dropped byte counts in " + ended);
      }
      return ended;
    }
  }

  /**
   * The worker image is alive and serving: sent when it has sent nothing else for a second, so that
   * the caller can tell a quiet worker image from a stopped one.
   */
  public record Heartbeat() implements Frame.AboutWorker {
    static final byte TYPE = 18;

    /** The one heartbeat: the worker image sends it without allocating. */
    public static final Heartbeat INSTANCE = new Heartbeat();

    @Override
    public byte type() {
      return TYPE;
    }

    @Override
    public void writePayload(ByteWriter out) {}
  }

  /**
   * The child was reaped, with its wait status and what it used (from {@code wait4}); no more
   * frames follow for the call.
   *
   * @param killedAtDeadline the worker image killed it because the call's deadline passed
   * @param killedInSetup the worker image killed it because it was stuck before its callable
   * @param cancelled the worker image killed it because the caller cancelled the call
   * @param resultTooLarge the worker image killed it because its result pipe carried more than the
   *     bound
   * @param stdoutDropped bytes of its standard output past the bound, read and dropped
   * @param stderrDropped the same for its standard error
   */
  public record Exited(
      long callId,
      int childPid,
      int waitStatus,
      boolean killedAtDeadline,
      boolean killedInSetup,
      boolean cancelled,
      boolean resultTooLarge,
      int cpuMillis,
      int maxRssKiB,
      long stdoutDropped,
      long stderrDropped)
      implements Frame {
    static final byte TYPE = 15;

    @Override
    public byte type() {
      return TYPE;
    }

    @Override
    public void writePayload(ByteWriter out) {
      out.putInt(childPid)
          .putInt(waitStatus)
          .putBoolean(killedAtDeadline)
          .putBoolean(killedInSetup)
          .putBoolean(cancelled)
          .putBoolean(resultTooLarge)
          .putInt(cpuMillis)
          .putInt(maxRssKiB)
          .putLong(stdoutDropped)
          .putLong(stderrDropped);
    }

    static Exited read(long callId, ByteReader in) throws MalformedException {
      Exited exited =
          new Exited(
              callId,
              in.getInt(),
              in.getInt(),
              in.getBoolean(),
              in.getBoolean(),
              in.getBoolean(),
              in.getBoolean(),
              in.getInt(),
              in.getInt(),
              in.getLong(),
              in.getLong());
      if (exited.stdoutDropped < 0 || exited.stderrDropped < 0) {
        throw new MalformedException("negative dropped byte counts in " + exited);
      }
      return exited;
    }
  }

  /**
   * A system call of the worker image failed for this call; no more frames follow for it.
   *
   * @param childPid the child, 0 if none was forked
   * @param reaped whether the child was reaped, and then {@code waitStatus} says how it ended
   * @param value what the failed call returned, where that is the fact (a pid from {@code waitpid})
   */
  public record Failed(
      long callId,
      WorkerStep step,
      int errno,
      int childPid,
      boolean reaped,
      int waitStatus,
      int value)
      implements Frame {
    static final byte TYPE = 16;

    @Override
    public byte type() {
      return TYPE;
    }

    @Override
    public void writePayload(ByteWriter out) {
      out.putInt(step.ordinal())
          .putInt(errno)
          .putInt(childPid)
          .putBoolean(reaped)
          .putInt(waitStatus)
          .putInt(value);
    }

    static Failed read(long callId, ByteReader in) throws MalformedException {
      int step = in.getInt();
      if (step < 0 || step >= WorkerStep.values().length) {
        throw new MalformedException("an unknown worker step " + step);
      }
      return new Failed(
          callId,
          WorkerStep.values()[step],
          in.getInt(),
          in.getInt(),
          in.getBoolean(),
          in.getInt(),
          in.getInt());
    }
  }
}
