package dev.isolate.internal.wire;

import dev.isolate.posix.NativeBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * A frame between the caller and its worker image, either way: its {@link FrameHeader}, then the
 * payload, big-endian. Each frame type is a record here, which both ends use to write and to read
 * it; nothing else knows its layout.
 */
public sealed interface Frame {
  /** Bytes before the payload: the length, the type and the call id. */
  int HEADER_BYTES = 4 + 1 + 8;

  /**
   * Written by the worker image before its first frame. The caller skips anything before it, so
   * that a stray line a JVM prints at start-up cannot shift the frames.
   */
  byte[] MAGIC = {'i', 's', 'o', 'l', 'a', 't', 'e', '3'};

  /** The call the frame is about; 0 for frames about the worker image itself. */
  long callId();

  /** Its type byte. */
  byte type();

  /** Appends the payload, without the header. */
  void writePayload(ByteWriter out);

  /** Appends the whole frame, header included. */
  default void encode(ByteWriter out) {
    int start = out.size();
    out.putInt(0).putByte(type()).putLong(callId());
    writePayload(out);
    out.patchInt(start, out.size() - start - 4);
  }

  /** The whole frame as a new array. */
  default byte[] encode() {
    ByteWriter out = new ByteWriter(HEADER_BYTES + 32);
    encode(out);
    return out.toByteArray();
  }

  /** A frame about the worker image itself rather than a call. */
  sealed interface AboutWorker extends Frame
      permits Configure, Prepare, DefineLoader, Ready, Heartbeat {
    @Override
    default long callId() {
      return 0;
    }
  }

  // caller -> worker

  /** The worker image's settings; the first frame the caller sends. */
  record Configure(WorkerSettings settings) implements AboutWorker {
    static final byte TYPE = 1;

    @Override
    public byte type() {
      return TYPE;
    }

    @Override
    public void writePayload(ByteWriter out) {
      settings.write(out);
    }
  }

  /**
   * A call: its limits, the class loader its callable is read with ({@link DefineLoader}; 0: the
   * system class loader), then the Kryo bytes of the callable. The worker image reads the payload
   * in place ({@link #CALLABLE_OFFSET}) and hands it to a spare child unchanged.
   */
  record Call(long callId, CallLimits limits, int loaderId, byte[] callable) implements Frame {
    static final byte TYPE = 2;

    private static final int LOADER_OFFSET = CallLimits.BYTES;

    /** Where the callable starts in the payload. */
    public static final int CALLABLE_OFFSET = LOADER_OFFSET + 4;

    @Override
    public byte type() {
      return TYPE;
    }

    @Override
    public void writePayload(ByteWriter out) {
      limits.write(out);
      out.putInt(loaderId);
      out.putBytes(callable, 0, callable.length);
    }

    /** Whether a frame of {@code type} is a call, which the worker image reads in place. */
    public static boolean is(byte type) {
      return type == TYPE;
    }

    /**
     * The limits of a call whose payload starts at {@code payloadOffset}: the worker image reads a
     * call in place, and the callable follows at {@link #CALLABLE_OFFSET}.
     */
    public static CallLimits limitsAt(byte[] bytes, int payloadOffset, int payloadLength)
        throws MalformedException {
      if (payloadLength < CALLABLE_OFFSET) {
        throw new MalformedException("a call of " + payloadLength + " bytes has no limits");
      }
      return CallLimits.read(bytes, payloadOffset);
    }

    /** The loader of a call whose payload starts at {@code payloadOffset}, read in place. */
    public static int loaderAt(byte[] bytes, int payloadOffset, int payloadLength)
        throws MalformedException {
      ByteReader in = new ByteReader(bytes, payloadOffset + LOADER_OFFSET, 4);
      int loaderId = in.getInt();
      if (payloadLength < CALLABLE_OFFSET || loaderId < 0 || loaderId > DefineLoader.MAX_LOADERS) {
        throw new MalformedException("a call's loader " + loaderId);
      }
      return loaderId;
    }

    static Call read(long callId, ByteReader in) throws MalformedException {
      int offset = in.position();
      CallLimits limits = limitsAt(in.array(), offset, in.remaining());
      int loaderId = loaderAt(in.array(), offset, in.remaining());
      in.skip(CALLABLE_OFFSET);
      return new Call(callId, limits, loaderId, in.getBytes(in.remaining()));
    }
  }

  /** The caller gave up on a call: kill its child, then report it as usual. */
  record Cancel(long callId) implements Frame {
    static final byte TYPE = 3;

    @Override
    public byte type() {
      return TYPE;
    }

    @Override
    public void writePayload(ByteWriter out) {}
  }

  /**
   * Shapes (see {@code KryoCodec.prepare}) that calls to come will need, for the worker image to
   * prepare before it forks their children: sent once per shape and worker image, before the call
   * that first needs it.
   */
  record Prepare(List<String> shapes) implements AboutWorker {
    static final byte TYPE = 4;
    static final int MAX_SHAPES = 100_000;
    static final int MAX_SHAPE_BYTES = 64 * 1024;

    @Override
    public byte type() {
      return TYPE;
    }

    @Override
    public void writePayload(ByteWriter out) {
      out.putInt(shapes.size());
      for (String shape : shapes) {
        out.putString(shape);
      }
    }

    static Prepare read(ByteReader in) throws MalformedException {
      int count = in.getCount(Math.min(MAX_SHAPES, in.remaining() / 4));
      List<String> shapes = new ArrayList<>(count);
      for (int i = 0; i < count; i++) {
        shapes.add(in.getString(MAX_SHAPE_BYTES));
      }
      return new Prepare(shapes);
    }
  }

  /**
   * A class loader that calls to come name: a {@code URLClassLoader} over the files of {@code
   * classPath}, whose parent is loader {@code parentId} (0: the system class loader), made by the
   * worker image before it forks their children; sent once per loader and worker image. How a
   * plugin's callable, loaded after the worker image started, finds its classes.
   */
  record DefineLoader(int loaderId, int parentId, List<String> classPath) implements AboutWorker {
    static final byte TYPE = 5;

    /** Loader ids run from 1 to this. */
    public static final int MAX_LOADERS = 1024;

    static final int MAX_ENTRIES = 10_000;
    static final int MAX_ENTRY_BYTES = 64 * 1024;

    @Override
    public byte type() {
      return TYPE;
    }

    @Override
    public void writePayload(ByteWriter out) {
      out.putInt(loaderId).putInt(parentId).putInt(classPath.size());
      for (String entry : classPath) {
        out.putString(entry);
      }
    }

    static DefineLoader read(ByteReader in) throws MalformedException {
      int loaderId = in.getInt();
      int parentId = in.getInt();
      if (loaderId < 1 || loaderId > MAX_LOADERS || parentId < 0 || parentId >= loaderId) {
        throw new MalformedException("a loader " + loaderId + " with parent " + parentId);
      }
      int count = in.getCount(Math.min(MAX_ENTRIES, in.remaining() / 4));
      List<String> classPath = new ArrayList<>(count);
      for (int i = 0; i < count; i++) {
        classPath.add(in.getString(MAX_ENTRY_BYTES));
      }
      return new DefineLoader(loaderId, parentId, classPath);
    }
  }

  // worker -> caller

  /** The worker image is warm and serving. */
  record Ready(int workerPid) implements AboutWorker {
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
  record Started(long callId, int childPid, int workerHeapUsedKiB) implements Frame {
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
  record Stream(byte type, long callId, byte[] bytes) implements Frame {
    public static final byte RESULT = 12;
    public static final byte STDOUT = 13;
    public static final byte STDERR = 14;

    @Override
    public void writePayload(ByteWriter out) {
      out.putBytes(bytes, 0, bytes.length);
    }

    /**
     * Writes the header of a stream frame of {@code payloadLength} bytes at the start of {@code
     * buffer}, in front of bytes already read into it at {@link #HEADER_BYTES}: relayed bytes are
     * never copied through the Java heap.
     */
    public static void writeHeader(NativeBuffer buffer, byte type, long callId, int payloadLength) {
      buffer.putInt(0, HEADER_BYTES - 4 + payloadLength);
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
  record OutputEnded(long callId, long stdoutDropped, long stderrDropped) implements Frame {
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
  record Heartbeat() implements AboutWorker {
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
  record Exited(
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
  record Failed(
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
