package dev.isolate.internal.wire;

import com.esotericsoftware.kryo.KryoException;
import com.esotericsoftware.kryo.io.Input;
import java.io.InputStream;

/**
 * Kryo's input over a value of known length, for a reader that believes none of it: a count read
 * from it that sizes an allocation (bytes, a primitive array, a string's characters, an array or a
 * collection) must fit in the bytes that remain, each element taking at least its smallest
 * encoding, so that a forged count fails here instead of allocating what the value cannot hold.
 */
public final class BoundedInput extends Input {
  private final long length;

  /** Told of every array length read, before the array exists. */
  interface ArrayCheck {
    void array(Class<?> type, long length);
  }

  private final ArrayCheck check;

  /**
   * How many elements of all the value's collections and maps may take no bytes of their own: Kryo
   * writes a collection of nulls as its count alone, so without a budget a few bytes could make the
   * caller add billions of nulls. A million (4 MiB of references) is room for any real value.
   */
  static final long FREE_ELEMENTS = 1 << 20;

  private long freeElementsLeft = FREE_ELEMENTS;

  BoundedInput(InputStream in, long length, ArrayCheck check) {
    super(in, 64 * 1024);
    this.length = length;
    this.check = check;
  }

  /** Bytes of the value not read yet. */
  long remaining() {
    return length - total();
  }

  /**
   * Fails unless {@code count} elements of at least {@code bytesEach} fit in what remains; tells
   * the check of an array of {@code type}.
   */
  void fits(Class<?> type, long count, int bytesEach) {
    fitsIn(type, count, bytesEach);
    check.array(type, count);
  }

  /**
   * Fails unless a collection or map of {@code type} may hold {@code count} elements: as many as
   * bytes remain, and past that only from the value's budget of {@link #FREE_ELEMENTS}; tells the
   * check, as the JDK's own collections do, as an array of that length.
   */
  void claimElements(Class<?> type, long count) {
    long unbacked = count - remaining();
    if (count < 0 || (unbacked > 0 && unbacked > freeElementsLeft)) {
      throw new KryoException(
          "a count of "
              + count
              + " for "
              + type.getSimpleName()
              + ", but only "
              + remaining()
              + " bytes of the value remain (and "
              + freeElementsLeft
              + " elements without bytes of their own)");
    }
    if (unbacked > 0) {
      freeElementsLeft -= unbacked;
    }
    check.array(type, count);
  }

  private void fitsIn(Class<?> type, long count, int bytesEach) {
    if (count < 0 || count > remaining() / bytesEach) {
      throw new KryoException(
          "a count of "
              + count
              + " for "
              + type.getSimpleName()
              + ", but only "
              + remaining()
              + " bytes of the value remain");
    }
  }

  /**
   * The varint at the current position, not consumed: a serializer checks a count before it
   * allocates, then reads it as usual.
   */
  int peekVarInt() {
    int available = require((int) Math.min(5, Math.max(1, remaining())));
    int p = position;
    int result = 0;
    for (int shift = 0, i = 0; i < Math.min(5, available); i++, shift += 7) {
      int b = buffer[p++];
      result |= (b & 0x7F) << shift;
      if ((b & 0x80) == 0) {
        break;
      }
    }
    return result;
  }

  @Override
  public byte[] readBytes(int length) {
    fits(byte[].class, length, 1);
    return super.readBytes(length);
  }

  @Override
  public int[] readInts(int length) {
    fits(int[].class, length, 4);
    return super.readInts(length);
  }

  @Override
  public int[] readInts(int length, boolean optimizePositive) {
    fits(int[].class, length, 1);
    return super.readInts(length, optimizePositive);
  }

  @Override
  public long[] readLongs(int length) {
    fits(long[].class, length, 8);
    return super.readLongs(length);
  }

  @Override
  public long[] readLongs(int length, boolean optimizePositive) {
    fits(long[].class, length, 1);
    return super.readLongs(length, optimizePositive);
  }

  @Override
  public float[] readFloats(int length) {
    fits(float[].class, length, 4);
    return super.readFloats(length);
  }

  @Override
  public double[] readDoubles(int length) {
    fits(double[].class, length, 8);
    return super.readDoubles(length);
  }

  @Override
  public short[] readShorts(int length) {
    fits(short[].class, length, 2);
    return super.readShorts(length);
  }

  @Override
  public char[] readChars(int length) {
    fits(char[].class, length, 2);
    return super.readChars(length);
  }

  @Override
  public boolean[] readBooleans(int length) {
    fits(boolean[].class, length, 1);
    return super.readBooleans(length);
  }

  @Override
  public String readString() {
    checkStringLength();
    return super.readString();
  }

  @Override
  public StringBuilder readStringBuilder() {
    checkStringLength();
    return super.readStringBuilder();
  }

  /**
   * A UTF-8 string starts with its character count (a varint whose first byte is flagged 0x80;
   * ASCII strings have no count and are read byte by byte): each character takes a byte at least.
   */
  private void checkStringLength() {
    int available = require((int) Math.min(5, Math.max(1, remaining())));
    int p = position;
    int b = buffer[p++];
    if ((b & 0x80) == 0) {
      return;
    }
    long count = b & 0x3F;
    if ((b & 0x40) != 0) {
      for (int shift = 6, i = 1; i < Math.min(5, available); i++, shift += 7) {
        b = buffer[p++];
        count |= (long) (b & 0x7F) << shift;
        if ((b & 0x80) == 0) {
          break;
        }
      }
    }
    // The count is characters plus one (0 is null, 1 the empty string).
    fitsIn(String.class, Math.max(0, count - 1), 1);
  }
}
