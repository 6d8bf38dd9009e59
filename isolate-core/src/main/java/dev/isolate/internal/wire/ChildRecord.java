package dev.isolate.internal.wire;

import dev.isolate.posix.NativeBuffer;

/**
 * What a child writes on its result pipe: a sequence of records {@code byte kind, int length,
 * length bytes}. The worker image relays the bytes untouched; the caller parses them once, as they
 * arrive, with {@link ResultStream}, and believes nothing it has not checked.
 */
public final class ChildRecord {
  /** Bytes before a record's payload. */
  public static final int HEADER_BYTES = 1 + 4;

  /** Part of the Kryo bytes of the returned value. */
  public static final byte VALUE_PART = 1;

  /** Empty: the value is complete. */
  public static final byte VALUE_END = 2;

  /** A {@link ThrowableCodec} chain: the callable threw. */
  public static final byte THREW = 3;

  /**
   * A {@link ThrowableCodec} chain: the value could not be serialized. Earlier value parts are
   * void.
   */
  public static final byte RESULT_UNSERIALIZABLE = 4;

  /**
   * A {@link ThrowableCodec} chain: the child could not deserialize the callable; it did not run.
   */
  public static final byte CALLABLE_UNREADABLE = 5;

  /** {@code int status}: the callable called {@code System.exit} or {@code Runtime.halt}. */
  public static final byte EXIT_CALLED = 6;

  /** {@code int step, int errno}: the child failed to set itself up; the callable did not run. */
  public static final byte SETUP_FAILED = 7;

  /**
   * Empty: the callable is deserialized and about to run. Before it, the child ran only the
   * library's own code, which the worker image bounds in time.
   */
  public static final byte CALLABLE_STARTING = 8;

  /**
   * The classes the child loaded that the worker image had not, one per line in UTF-8, each a
   * {@link Frame.Prepare} shape: {@code I} and the binary name of a class it initialized, {@code D}
   * and that of one it only loaded; after the outcome, and only from a child asked to learn. The
   * caller has the worker image load (and initialize) them ahead of later children.
   */
  public static final byte LEARNED = 9;

  /** The most bytes of a {@link #LEARNED} payload. */
  public static final int MAX_LEARNED_BYTES = 1024 * 1024;

  /** Bytes of an {@link #EXIT_CALLED} payload. */
  public static final int EXIT_CALLED_BYTES = 4;

  /** Bytes of a {@link #SETUP_FAILED} payload. */
  public static final int SETUP_FAILED_BYTES = 8;

  /**
   * Child exit status when writing to the result pipe failed, so that nothing else can report it.
   */
  public static final int EXIT_RESULT_WRITE_FAILED = 121;

  /** Child exit status when its worker image died while it was being forked. */
  public static final int EXIT_WORKER_GONE = 122;

  /**
   * Child exit status when something escaped the child runner (a linkage error, say): the child
   * leaves rather than run on as a copy of the worker image's loop.
   */
  public static final int EXIT_CHILD_ESCAPED = 123;

  private ChildRecord() {}

  /** Writes a record header at {@code offset} of {@code buffer}. */
  public static void writeHeader(NativeBuffer buffer, int offset, byte kind, int payloadLength) {
    buffer.putByte(offset, kind);
    buffer.putInt(offset + 1, payloadLength);
  }

  /** A {@link #SETUP_FAILED} payload, into {@code target}. */
  public static void writeSetupFailed(byte[] target, SetupStep step, int errno) {
    Bytes.putInt(target, 0, step.ordinal());
    Bytes.putInt(target, 4, errno);
  }

  /** An {@link #EXIT_CALLED} payload, into {@code target}. */
  public static void writeExitCalled(byte[] target, int status) {
    Bytes.putInt(target, 0, status);
  }
}
