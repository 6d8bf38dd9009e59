package dev.isolate.posix;

import java.nio.charset.StandardCharsets;
import jnr.ffi.Pointer;

/**
 * A fixed block of native memory that {@link Syscalls#read} and {@link Syscalls#write} work on.
 *
 * <p>It lets the worker relay bytes between descriptors without copying them through the Java heap,
 * whose allocations the worker image never gets back. Integers are stored big-endian, the byte
 * order of isolate's frames.
 */
public final class NativeBuffer {
  private final Pointer memory;
  private final int capacity;

  NativeBuffer(Pointer memory, int capacity) {
    this.memory = memory;
    this.capacity = capacity;
  }

  Pointer pointer() {
    return memory;
  }

  /** Its size in bytes. */
  public int capacity() {
    return capacity;
  }

  /** Copies {@code length} bytes of {@code source} from {@code sourceOffset} to {@code offset}. */
  public void put(int offset, byte[] source, int sourceOffset, int length) {
    check(offset, length);
    memory.put(offset, source, sourceOffset, length);
  }

  /** Copies {@code length} bytes at {@code offset} into {@code target} at {@code targetOffset}. */
  public void get(int offset, byte[] target, int targetOffset, int length) {
    check(offset, length);
    memory.get(offset, target, targetOffset, length);
  }

  /** Stores {@code value} big-endian at {@code offset}. */
  public void putInt(int offset, int value) {
    check(offset, 4);
    memory.putByte(offset, (byte) (value >>> 24));
    memory.putByte(offset + 1L, (byte) (value >>> 16));
    memory.putByte(offset + 2L, (byte) (value >>> 8));
    memory.putByte(offset + 3L, (byte) value);
  }

  /** Reads the big-endian int at {@code offset}. */
  public int getInt(int offset) {
    check(offset, 4);
    return (memory.getByte(offset) & 0xFF) << 24
        | (memory.getByte(offset + 1L) & 0xFF) << 16
        | (memory.getByte(offset + 2L) & 0xFF) << 8
        | (memory.getByte(offset + 3L) & 0xFF);
  }

  /** Stores {@code value} big-endian at {@code offset}. */
  public void putLong(int offset, long value) {
    putInt(offset, (int) (value >>> 32));
    putInt(offset + 4, (int) value);
  }

  /** Stores one byte at {@code offset}. */
  public void putByte(int offset, byte value) {
    check(offset, 1);
    memory.putByte(offset, value);
  }

  /** For tests and diagnostics: {@code length} bytes at {@code offset} read as UTF-8. */
  public String getString(int offset, int length) {
    byte[] bytes = new byte[length];
    get(offset, bytes, 0, length);
    return new String(bytes, StandardCharsets.UTF_8);
  }

  private void check(int offset, int length) {
    if (offset < 0 || length < 0 || offset > capacity - length) {
      throw new IndexOutOfBoundsException(
          "range ["
              + offset
              + ", "
              + offset
              + " + "
              + length
              + ") outside a buffer of "
              + capacity
              + " bytes");
    }
  }
}
