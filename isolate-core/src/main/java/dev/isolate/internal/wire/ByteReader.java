package dev.isolate.internal.wire;

import java.nio.charset.StandardCharsets;

/**
 * Big-endian values read from a bounded range of a byte array. Every read is checked against the
 * range: bytes that end early, or lengths that point past the end, are a {@link
 * MalformedException}, never an index error or a huge allocation.
 */
public final class ByteReader {
  private final byte[] bytes;
  private final int end;
  private int position;

  public ByteReader(byte[] bytes, int offset, int length) {
    if (offset < 0 || length < 0 || offset > bytes.length - length) {
      throw new IndexOutOfBoundsException(offset + " + " + length + " of " + bytes.length);
    }
    this.bytes = bytes;
    this.position = offset;
    this.end = offset + length;
  }

  public int remaining() {
    return end - position;
  }

  public int position() {
    return position;
  }

  public byte getByte() throws MalformedException {
    need(1);
    return bytes[position++];
  }

  public boolean getBoolean() throws MalformedException {
    byte value = getByte();
    if (value != 0 && value != 1) {
      throw new MalformedException("a boolean of " + value);
    }
    return value == 1;
  }

  public int getInt() throws MalformedException {
    need(4);
    int value = Bytes.getInt(bytes, position);
    position += 4;
    return value;
  }

  public long getLong() throws MalformedException {
    need(8);
    long value = Bytes.getLong(bytes, position);
    position += 8;
    return value;
  }

  /** A length-prefixed UTF-8 string of at most {@code maxBytes}. */
  public String getString(int maxBytes) throws MalformedException {
    int length = getInt();
    if (length < 0 || length > maxBytes) {
      throw new MalformedException("a string of " + length + " bytes (at most " + maxBytes + ")");
    }
    need(length);
    String value = new String(bytes, position, length, StandardCharsets.UTF_8);
    position += length;
    return value;
  }

  /** A count that must be between 0 and {@code max}. */
  public int getCount(int max) throws MalformedException {
    int count = getInt();
    if (count < 0 || count > max) {
      throw new MalformedException("a count of " + count + " (at most " + max + ")");
    }
    return count;
  }

  /** A copy of the next {@code length} bytes. */
  public byte[] getBytes(int length) throws MalformedException {
    need(length);
    byte[] copy = java.util.Arrays.copyOfRange(bytes, position, position + length);
    position += length;
    return copy;
  }

  /**
   * The rest of the range: the array itself when the range is all of it (the caller gave it up),
   * else a copy.
   */
  public byte[] takeRest() throws MalformedException {
    if (position == 0 && end == bytes.length) {
      position = end;
      return bytes;
    }
    return getBytes(remaining());
  }

  /** The array read from; for readers that take a range in place. */
  byte[] array() {
    return bytes;
  }

  /** Moves past {@code length} bytes. */
  public void skip(int length) throws MalformedException {
    need(length);
    position += length;
  }

  /** Fails unless every byte of the range was read. */
  public void expectEnd() throws MalformedException {
    if (position != end) {
      throw new MalformedException((end - position) + " bytes left over");
    }
  }

  private void need(int length) throws MalformedException {
    if (length < 0 || length > end - position) {
      throw new MalformedException(
          "needs " + length + " more bytes, " + (end - position) + " are left");
    }
  }
}
