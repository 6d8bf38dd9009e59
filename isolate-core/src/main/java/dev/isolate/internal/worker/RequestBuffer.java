package dev.isolate.internal.worker;

import dev.isolate.internal.wire.Bytes;
import dev.isolate.internal.wire.Frames;
import dev.isolate.posix.NativeBuffer;

/**
 * Accumulates bytes read from the caller until whole frames are there. One array, reused: the
 * worker image's heap is never collected, so it must not allocate per request.
 */
final class RequestBuffer {
  private byte[] bytes = new byte[256 * 1024];
  private int start;
  private int end;

  void append(NativeBuffer source, int length) {
    if (end + length > bytes.length) {
      System.arraycopy(bytes, start, bytes, 0, end - start);
      end -= start;
      start = 0;
      if (end + length > bytes.length) {
        byte[] larger = new byte[Math.max(bytes.length * 2, end + length)];
        System.arraycopy(bytes, 0, larger, 0, end);
        bytes = larger;
      }
    }
    source.get(0, bytes, end, length);
    end += length;
  }

  /** Whether a whole frame starts at {@link #frameStart()}. */
  boolean hasFrame() {
    if (end - start < 4) {
      return false;
    }
    int length = Bytes.getInt(bytes, start);
    if (length < 9 || length > Frames.MAX_PAYLOAD + 9) {
      throw new IllegalStateException("corrupt frame from the caller: length " + length);
    }
    return end - start >= 4 + length;
  }

  byte[] array() {
    return bytes;
  }

  int frameStart() {
    return start;
  }

  byte type() {
    return bytes[start + 4];
  }

  long callId() {
    return Bytes.getLong(bytes, start + 5);
  }

  int payloadOffset() {
    return start + Frames.HEADER;
  }

  int payloadLength() {
    return Bytes.getInt(bytes, start) - 9;
  }

  void consumeFrame() {
    start += 4 + Bytes.getInt(bytes, start);
    if (start == end) {
      start = 0;
      end = 0;
    }
  }
}
