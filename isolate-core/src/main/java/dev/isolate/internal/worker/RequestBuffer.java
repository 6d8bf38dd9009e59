package dev.isolate.internal.worker;

import dev.isolate.internal.wire.Frame;
import dev.isolate.internal.wire.FrameHeader;
import dev.isolate.internal.wire.MalformedException;
import dev.isolate.posix.NativeBuffer;
import java.util.Arrays;

/**
 * Gathers the bytes read from the caller until whole frames are there, in one array, reused: the
 * worker image's heap is never collected, so it must not allocate per request, and a call is handed
 * on in place, never copied.
 */
final class RequestBuffer {
  /** The largest frame the caller sends: a call with a large callable. */
  static final int MAX_PAYLOAD = Integer.MAX_VALUE - 64;

  private byte[] bytes = new byte[256 * 1024];
  private int start;
  private int end;

  /** Appends {@code length} bytes from the start of {@code source}. */
  void append(NativeBuffer source, int length) {
    makeRoom(length);
    source.get(0, bytes, end, length);
    end += length;
  }

  /** Appends {@code length} bytes of {@code source} from {@code offset}. */
  void append(byte[] source, int offset, int length) {
    makeRoom(length);
    System.arraycopy(source, offset, bytes, end, length);
    end += length;
  }

  /**
   * The header of the next whole frame, whose payload is at {@link #payloadOffset()} of {@link
   * #array()}; null until all of it has arrived.
   *
   * @throws MalformedException if the header's length cannot be
   */
  FrameHeader next() throws MalformedException {
    if (end - start < Frame.HEADER_BYTES) {
      return null;
    }
    FrameHeader header = FrameHeader.read(bytes, start, MAX_PAYLOAD);
    return end - start >= Frame.HEADER_BYTES + header.payloadLength() ? header : null;
  }

  /** The array the frames are in; valid until the next {@link #append}. */
  byte[] array() {
    return bytes;
  }

  /** Where the payload of the frame {@link #next()} returned starts. */
  int payloadOffset() {
    return start + Frame.HEADER_BYTES;
  }

  /** Moves past the frame {@link #next()} returned. */
  void consume(FrameHeader header) {
    start += Frame.HEADER_BYTES + header.payloadLength();
    if (start == end) {
      start = 0;
      end = 0;
    }
  }

  private void makeRoom(int length) {
    if (end + length > bytes.length) {
      System.arraycopy(bytes, start, bytes, 0, end - start);
      end -= start;
      start = 0;
      if (end + length > bytes.length) {
        bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, end + length));
      }
    }
  }
}
