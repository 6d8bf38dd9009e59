package dev.isolate.internal.wire;

/**
 * Frames between the caller and its worker image, both ways: {@code int length} (of what follows),
 * {@code byte type}, {@code long callId}, then {@code length - 9} bytes of payload, big-endian.
 */
public final class Frames {
  /**
   * Written by the worker image before its first frame. The caller skips anything before it, so
   * that a stray line a JVM prints at start-up cannot shift the frames.
   */
  public static final byte[] MAGIC = {'i', 's', 'o', 'l', 'a', 't', 'e', '1'};

  /** Bytes before the payload. */
  public static final int HEADER = 4 + 1 + 8;
  /** The largest payload a frame may carry. */
  public static final int MAX_PAYLOAD = Integer.MAX_VALUE - 64;

  // caller -> worker
  /**
   * Payload: {@code long timeoutNanos, long nativeMemoryBytes, long cpuSeconds} (0: no limit), then
   * the Kryo bytes of an {@code IsolatedCallable}.
   */
  public static final byte CALL = 1;
  /** Bytes of a {@link #CALL} payload before the callable. */
  public static final int CALL_LIMITS = 3 * 8;
  /** Empty payload. The caller gave up on this call: kill its child, then report it as usual. */
  public static final byte CANCEL = 2;

  // worker -> caller
  /** Call id 0; payload: {@code int workerPid}. The worker image is warm and serving. */
  public static final byte READY = 10;
  /**
   * Payload: {@code int childPid, int workerHeapUsedKiB}. The child of this call was forked; the
   * worker image's heap, never collected, had that much in use.
   */
  public static final byte STARTED = 11;
  /** Payload: bytes the child wrote to its result pipe (see {@link ChildRecords}). */
  public static final byte RESULT = 12;
  /** Payload: bytes the child wrote to its standard output. */
  public static final byte STDOUT = 13;
  /** Payload: bytes the child wrote to its standard error. */
  public static final byte STDERR = 14;
  /**
   * Payload: {@code int childPid, int waitStatus, int flags, int cpuMillis, int maxRssKiB}. The child
   * was reaped (with what it used, from {@code wait4}); no more frames follow for the call.
   */
  public static final byte EXITED = 15;
  /** {@link #EXITED} flag: the worker image killed the child because the call's deadline passed. */
  public static final int EXITED_KILLED_AT_DEADLINE = 1;
  /**
   * {@link #EXITED} flag: the worker image killed the child because it had not reached the callable
   * within the setup limit: it was stuck in the library's own code, and the callable did not run.
   */
  public static final int EXITED_KILLED_IN_SETUP = 2;
  /** {@link #EXITED} flag: the worker image killed the child because the caller cancelled the call. */
  public static final int EXITED_CANCELLED = 4;
  /**
   * Payload: {@code int step, int errno, int childPid (0 if none), int waitStatus (-1 if not reaped),
   * int value}. A system call of the worker image failed for this call; no more frames follow.
   */
  public static final byte FAILED = 16;

  private Frames() {}

  /** Writes a frame header into {@code target} at {@code offset}. */
  public static void putHeader(byte[] target, int offset, byte type, long callId, int payloadLength) {
    Bytes.putInt(target, offset, 1 + 8 + payloadLength);
    target[offset + 4] = type;
    Bytes.putLong(target, offset + 5, callId);
  }
}
