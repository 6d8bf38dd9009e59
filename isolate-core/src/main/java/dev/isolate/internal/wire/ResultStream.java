package dev.isolate.internal.wire;

import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * The caller's view of everything a child wrote on its result pipe, parsed from the chunks the
 * worker image relayed (chunk boundaries fall anywhere, also inside a record).
 */
public final class ResultStream {
  private final List<Piece> valuePieces = new ArrayList<>();
  private boolean valueComplete;
  private boolean callableStarting;
  private byte[] threw;
  private byte[] resultUnserializable;
  private byte[] callableUnreadable;
  private Integer exitCalled;
  private int setupStep;
  private int setupErrno;
  private boolean setupFailed;
  private boolean truncated;
  private long valueBytes;

  private record Piece(byte[] array, int offset, int length) {}

  private ResultStream() {}

  /** Parses the concatenation of {@code chunks}. */
  public static ResultStream parse(List<byte[]> chunks) {
    ResultStream result = new ResultStream();
    Cursor cursor = new Cursor(chunks);
    while (cursor.remaining() > 0) {
      if (cursor.remaining() < ChildRecords.HEADER) {
        result.truncated = true;
        break;
      }
      byte kind = cursor.readByte();
      int length = cursor.readInt();
      if (length < 0 || cursor.remaining() < length) {
        result.truncated = true;
        break;
      }
      switch (kind) {
        case ChildRecords.VALUE_PART -> {
          cursor.pieces(length, result.valuePieces);
          result.valueBytes += length;
        }
        case ChildRecords.VALUE_END -> result.valueComplete = true;
        case ChildRecords.THREW -> result.threw = cursor.copy(length);
        case ChildRecords.RESULT_UNSERIALIZABLE -> {
          result.resultUnserializable = cursor.copy(length);
          result.valuePieces.clear();
          result.valueComplete = false;
        }
        case ChildRecords.CALLABLE_UNREADABLE -> result.callableUnreadable = cursor.copy(length);
        case ChildRecords.EXIT_CALLED -> result.exitCalled = Bytes.getInt(cursor.copy(length), 0);
        case ChildRecords.CALLABLE_STARTING -> result.callableStarting = true;
        case ChildRecords.SETUP_FAILED -> {
          byte[] payload = cursor.copy(length);
          result.setupFailed = true;
          result.setupStep = Bytes.getInt(payload, 0);
          result.setupErrno = Bytes.getInt(payload, 4);
        }
        default -> {
          // A record kind this caller does not know: skip it rather than misread what follows.
          cursor.copy(length);
        }
      }
    }
    return result;
  }

  /** Whether a complete value was written. */
  /** Whether the child got as far as its callable ({@link ChildRecords#CALLABLE_STARTING}). */
  public boolean callableStarting() {
    return callableStarting;
  }

  public boolean valueComplete() {
    return valueComplete;
  }

  /** The Kryo bytes of the value, without copying them. */
  public InputStream valueBytes() {
    return new PiecesInputStream(valuePieces);
  }

  /** How many bytes the value took. */
  public long valueLength() {
    return valueBytes;
  }

  /** The encoded exception the callable threw, or null. */
  public byte[] threw() {
    return threw;
  }

  /** The encoded exception that stopped serialization of the value, or null. */
  public byte[] resultUnserializable() {
    return resultUnserializable;
  }

  /** The encoded exception that stopped deserialization of the callable, or null. */
  public byte[] callableUnreadable() {
    return callableUnreadable;
  }

  /** The status the callable passed to {@code System.exit}/{@code Runtime.halt}, or null. */
  public Integer exitCalled() {
    return exitCalled;
  }

  /** Whether the child failed before running the callable. */
  public boolean setupFailed() {
    return setupFailed;
  }

  /** See {@link ChildRecords#stepName}. */
  public int setupStep() {
    return setupStep;
  }

  public int setupErrno() {
    return setupErrno;
  }

  /** Whether the stream ends inside a record: the child died while writing. */
  public boolean truncated() {
    return truncated;
  }

  /** Whether the child wrote nothing at all. */
  public boolean empty() {
    return !valueComplete
        && valuePieces.isEmpty()
        && threw == null
        && resultUnserializable == null
        && callableUnreadable == null
        && exitCalled == null
        && !setupFailed
        && !truncated;
  }

  private static final class Cursor {
    private final List<byte[]> chunks;
    private int chunk;
    private int offset;
    private long remaining;

    Cursor(List<byte[]> chunks) {
      this.chunks = chunks;
      for (byte[] c : chunks) {
        remaining += c.length;
      }
    }

    long remaining() {
      return remaining;
    }

    byte readByte() {
      skipExhausted();
      remaining--;
      return chunks.get(chunk)[offset++];
    }

    int readInt() {
      return (readByte() & 0xff) << 24
          | (readByte() & 0xff) << 16
          | (readByte() & 0xff) << 8
          | (readByte() & 0xff);
    }

    byte[] copy(int length) {
      byte[] target = new byte[length];
      int done = 0;
      while (done < length) {
        skipExhausted();
        byte[] current = chunks.get(chunk);
        int n = Math.min(length - done, current.length - offset);
        System.arraycopy(current, offset, target, done, n);
        offset += n;
        done += n;
      }
      remaining -= length;
      return target;
    }

    void pieces(int length, List<Piece> into) {
      int done = 0;
      while (done < length) {
        skipExhausted();
        byte[] current = chunks.get(chunk);
        int n = Math.min(length - done, current.length - offset);
        into.add(new Piece(current, offset, n));
        offset += n;
        done += n;
      }
      remaining -= length;
    }

    private void skipExhausted() {
      while (offset == chunks.get(chunk).length) {
        chunk++;
        offset = 0;
      }
    }
  }

  private static final class PiecesInputStream extends InputStream {
    private final List<Piece> pieces;
    private int index;
    private int offset;

    PiecesInputStream(List<Piece> pieces) {
      this.pieces = pieces;
    }

    @Override
    public int read() {
      byte[] one = new byte[1];
      return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] target, int targetOffset, int length) {
      if (length == 0) {
        return 0;
      }
      while (index < pieces.size() && offset == pieces.get(index).length()) {
        index++;
        offset = 0;
      }
      if (index == pieces.size()) {
        return -1;
      }
      Piece piece = pieces.get(index);
      int n = Math.min(length, piece.length() - offset);
      System.arraycopy(piece.array(), piece.offset() + offset, target, targetOffset, n);
      offset += n;
      return n;
    }
  }
}
