package dev.isolate.internal.wire;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

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

  /**
   * Call id 0; payload: strings (see {@link #strings}), each a shape key of {@code
   * KryoCodec.prepare}: classes and lambdas that calls to come will need, for the worker image to
   * prepare before it forks their children. Sent once per shape and worker image, before the call
   * that first needs it.
   */
  public static final byte PREPARE = 3;

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
   * Payload: {@code int childPid, int waitStatus, int flags, int cpuMillis, int maxRssKiB}. The
   * child was reaped (with what it used, from {@code wait4}); no more frames follow for the call.
   */
  public static final byte EXITED = 15;

  /** {@link #EXITED} flag: the worker image killed the child because the call's deadline passed. */
  public static final int EXITED_KILLED_AT_DEADLINE = 1;

  /**
   * {@link #EXITED} flag: the worker image killed the child because it had not reached the callable
   * within the setup limit: it was stuck in the library's own code, and the callable did not run.
   */
  public static final int EXITED_KILLED_IN_SETUP = 2;

  /**
   * {@link #EXITED} flag: the worker image killed the child because the caller cancelled the call.
   */
  public static final int EXITED_CANCELLED = 4;

  /**
   * Payload: {@code int step, int errno, int childPid (0 if none), int waitStatus (-1 if not
   * reaped), int value}. A system call of the worker image failed for this call; no more frames
   * follow.
   */
  public static final byte FAILED = 16;

  /**
   * Empty payload. The child closed its result pipe and its standard output and error (a child does
   * so after its last record, just before {@code _exit}): everything it wrote has been relayed, and
   * {@link #EXITED} follows once it is reaped.
   */
  public static final byte OUTPUT_ENDED = 17;

  private Frames() {}

  /**
   * A frame of {@code type} whose payload is {@code int count}, then each string as {@code int
   * length} and UTF-8.
   */
  public static byte[] stringsFrame(byte type, long callId, List<String> strings) {
    List<byte[]> encoded = new ArrayList<>(strings.size());
    int length = 4;
    for (String string : strings) {
      byte[] bytes = string.getBytes(StandardCharsets.UTF_8);
      encoded.add(bytes);
      length += 4 + bytes.length;
    }
    byte[] frame = new byte[HEADER + length];
    putHeader(frame, 0, type, callId, length);
    int at = HEADER;
    Bytes.putInt(frame, at, encoded.size());
    at += 4;
    for (byte[] bytes : encoded) {
      Bytes.putInt(frame, at, bytes.length);
      System.arraycopy(bytes, 0, frame, at + 4, bytes.length);
      at += 4 + bytes.length;
    }
    return frame;
  }

  /** The strings of a {@link #stringsFrame} payload. */
  public static String[] strings(byte[] array, int offset, int length) {
    int end = offset + length;
    int count = Bytes.getInt(array, offset);
    if (count < 0 || count > length / 4) {
      throw new IllegalStateException(
          "corrupt string list: " + count + " strings in " + length + " bytes");
    }
    String[] strings = new String[count];
    int at = offset + 4;
    for (int i = 0; i < count; i++) {
      int size = Bytes.getInt(array, at);
      if (size < 0 || size > end - at - 4) {
        throw new IllegalStateException("corrupt string list: a string of " + size + " bytes");
      }
      strings[i] = new String(array, at + 4, size, StandardCharsets.UTF_8);
      at += 4 + size;
    }
    return strings;
  }

  /** Writes a frame header into {@code target} at {@code offset}. */
  public static void putHeader(
      byte[] target, int offset, byte type, long callId, int payloadLength) {
    Bytes.putInt(target, offset, 1 + 8 + payloadLength);
    target[offset + 4] = type;
    Bytes.putLong(target, offset + 5, callId);
  }
}
