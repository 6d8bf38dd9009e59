package dev.isolate.internal.wire;

import java.util.ArrayList;
import java.util.List;

/**
 * A frame between the caller and its worker image, either way: its {@link FrameHeader}, then the
 * payload, big-endian. Each frame type is a record, which both ends use to write and to read it;
 * nothing else knows its layout: the caller's here, the worker image's in {@link WorkerFrame}.
 */
public sealed interface Frame
    permits Frame.AboutWorker,
        Frame.Call,
        Frame.Cancel,
        WorkerFrame.Started,
        WorkerFrame.Stream,
        WorkerFrame.OutputEnded,
        WorkerFrame.Exited,
        WorkerFrame.Failed {
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
      permits Configure,
          Prepare,
          DefineLoader,
          WorkerFrame.Ready,
          WorkerFrame.Heartbeat,
          WorkerFrame.Preloading {
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
   * system class loader), whether its child reports what it learned ({@link ChildRecord#LEARNED}),
   * then the Kryo bytes of the callable. The worker image reads the payload in place ({@link
   * #CALLABLE_OFFSET}) and hands it to a spare child unchanged.
   */
  record Call(long callId, CallLimits limits, int loaderId, boolean learn, byte[] callable)
      implements Frame {
    static final byte TYPE = 2;

    private static final int LOADER_OFFSET = CallLimits.BYTES;
    private static final int LEARN_OFFSET = LOADER_OFFSET + 4;

    /** Where the callable starts in the payload. */
    public static final int CALLABLE_OFFSET = LEARN_OFFSET + 1;

    @Override
    public byte type() {
      return TYPE;
    }

    @Override
    public void writePayload(ByteWriter out) {
      limits.write(out);
      out.putInt(loaderId);
      out.putBoolean(learn);
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

    /** Whether the child of a call read in place is to report what it learned. */
    public static boolean learnAt(byte[] bytes, int payloadOffset, int payloadLength)
        throws MalformedException {
      if (payloadLength < CALLABLE_OFFSET) {
        throw new MalformedException("a call of " + payloadLength + " bytes has no learn flag");
      }
      return new ByteReader(bytes, payloadOffset + LEARN_OFFSET, 1).getBoolean();
    }

    static Call read(long callId, ByteReader in) throws MalformedException {
      int offset = in.position();
      CallLimits limits = limitsAt(in.array(), offset, in.remaining());
      int loaderId = loaderAt(in.array(), offset, in.remaining());
      boolean learn = learnAt(in.array(), offset, in.remaining());
      in.skip(CALLABLE_OFFSET);
      return new Call(callId, limits, loaderId, learn, in.getBytes(in.remaining()));
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
    /** A shape of this kind, then a binary class name: a class to load and initialize ahead. */
    public static final char INITIALIZE = 'I';

    /** A shape of this kind, then a binary class name: a class to load ahead, not initialized. */
    public static final char LOAD = 'D';

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
}
