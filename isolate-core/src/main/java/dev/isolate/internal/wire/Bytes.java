package dev.isolate.internal.wire;

/** Big-endian integers in byte arrays. */
public final class Bytes {
  private Bytes() {}

  public static void putInt(byte[] target, int offset, int value) {
    target[offset] = (byte) (value >>> 24);
    target[offset + 1] = (byte) (value >>> 16);
    target[offset + 2] = (byte) (value >>> 8);
    target[offset + 3] = (byte) value;
  }

  public static void putLong(byte[] target, int offset, long value) {
    putInt(target, offset, (int) (value >>> 32));
    putInt(target, offset + 4, (int) value);
  }

  public static int getInt(byte[] source, int offset) {
    return (source[offset] & 0xff) << 24
        | (source[offset + 1] & 0xff) << 16
        | (source[offset + 2] & 0xff) << 8
        | (source[offset + 3] & 0xff);
  }

  public static long getLong(byte[] source, int offset) {
    return ((long) getInt(source, offset) << 32) | (getInt(source, offset + 4) & 0xffffffffL);
  }
}
