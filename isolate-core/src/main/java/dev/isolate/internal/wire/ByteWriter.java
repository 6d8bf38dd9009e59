package dev.isolate.internal.wire;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Big-endian values appended to a byte array that grows as needed; reused between frames with
 * {@link #reset} where allocation matters (the worker image's heap is never collected).
 */
public final class ByteWriter {
  private byte[] bytes;
  private int size;

  public ByteWriter(int capacity) {
    bytes = new byte[capacity];
  }

  /** Forgets what was written; the array is kept. */
  public ByteWriter reset() {
    size = 0;
    return this;
  }

  public ByteWriter putByte(int value) {
    ensure(1);
    bytes[size++] = (byte) value;
    return this;
  }

  public ByteWriter putInt(int value) {
    ensure(4);
    Bytes.putInt(bytes, size, value);
    size += 4;
    return this;
  }

  public ByteWriter putLong(long value) {
    ensure(8);
    Bytes.putLong(bytes, size, value);
    size += 8;
    return this;
  }

  public ByteWriter putBoolean(boolean value) {
    return putByte(value ? 1 : 0);
  }

  /** {@code int length} and the UTF-8 bytes. */
  public ByteWriter putString(String value) {
    byte[] utf8 = value.getBytes(StandardCharsets.UTF_8);
    putInt(utf8.length);
    return putBytes(utf8, 0, utf8.length);
  }

  public ByteWriter putBytes(byte[] source, int offset, int length) {
    ensure(length);
    System.arraycopy(source, offset, bytes, size, length);
    size += length;
    return this;
  }

  /** Overwrites the int at {@code offset}, written earlier. */
  public void patchInt(int offset, int value) {
    Bytes.putInt(bytes, offset, value);
  }

  public int size() {
    return size;
  }

  /** The array written into; valid up to {@link #size}. */
  public byte[] array() {
    return bytes;
  }

  /** A copy of what was written. */
  public byte[] toByteArray() {
    return Arrays.copyOf(bytes, size);
  }

  private void ensure(int more) {
    if (size + more > bytes.length) {
      bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, size + more));
    }
  }
}
