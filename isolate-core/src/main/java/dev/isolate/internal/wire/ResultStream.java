package dev.isolate.internal.wire;

import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * The caller's view of everything a child wrote on its result pipe, parsed once, as the chunks the
 * worker image relays arrive (their boundaries fall anywhere, also inside a record). Every record
 * is checked as it completes: an unknown kind, a length that cannot be, a record out of order or a
 * value past its bound ends parsing and is reported by {@link #malformed()}, and the child that
 * sent it is to be killed. Not thread-safe: one reader thread appends.
 */
public final class ResultStream {
  /** The largest non-value record: an exception chain, bounded by {@link ThrowableCodec}. */
  static final int MAX_RECORD_BYTES = 4 * 1024 * 1024;

  private final long maxValueBytes;
  private final List<Piece> valuePieces = new ArrayList<>();
  private long valueBytes;
  private boolean valueComplete;
  private boolean callableStarting;
  private byte[] threw;
  private byte[] resultUnserializable;
  private byte[] callableUnreadable;
  private Integer exitCalled;
  private SetupStep setupStep;
  private int setupErrno;
  private String malformed;
  private boolean valueTooLarge;
  private boolean ended;
  private List<String> learned = List.of();

  // The record being read: its header as far as it has come, then its payload.
  private final byte[] header = new byte[ChildRecord.HEADER_BYTES];
  private int headerFill;
  private byte kind;
  private int remaining;
  private byte[] payload;
  private int payloadFill;

  private record Piece(byte[] array, int offset, int length) {}

  /**
   * @param maxValueBytes the most value bytes accepted; past it, {@link #valueTooLarge()}
   */
  public ResultStream(long maxValueBytes) {
    this.maxValueBytes = maxValueBytes;
  }

  /** Parses {@code chunk}, which the stream then keeps (value parts are not copied). */
  public void append(byte[] chunk) {
    int at = 0;
    while (at < chunk.length && !stopped()) {
      if (headerFill < header.length) {
        int n = Math.min(header.length - headerFill, chunk.length - at);
        System.arraycopy(chunk, at, header, headerFill, n);
        headerFill += n;
        at += n;
        if (headerFill == header.length) {
          startRecord();
        }
        continue;
      }
      int n = Math.min(remaining, chunk.length - at);
      if (kind == ChildRecord.VALUE_PART) {
        valuePieces.add(new Piece(chunk, at, n));
      } else {
        System.arraycopy(chunk, at, payload, payloadFill, n);
        payloadFill += n;
      }
      remaining -= n;
      at += n;
      if (remaining == 0) {
        endRecord();
      }
    }
  }

  private boolean stopped() {
    return malformed != null || valueTooLarge;
  }

  private void startRecord() {
    kind = header[0];
    remaining = Bytes.getInt(header, 1);
    String problem = checkHeader(kind, remaining);
    if (problem != null) {
      malformed = problem;
      return;
    }
    if (kind == ChildRecord.VALUE_PART) {
      valueBytes += remaining;
      if (valueBytes > maxValueBytes) {
        valueTooLarge = true;
        return;
      }
    } else {
      payload = new byte[remaining];
      payloadFill = 0;
    }
    if (remaining == 0) {
      endRecord();
    }
  }

  /** Why a record of this kind and length cannot come now, or null if it can. */
  private String checkHeader(byte kind, int length) {
    if (length < 0) {
      return "a record of " + length + " bytes";
    }
    if (kind == ChildRecord.LEARNED) {
      return !ended || !learned.isEmpty()
          ? "a LEARNED record before the outcome, or a second one"
          : length > ChildRecord.MAX_LEARNED_BYTES
              ? "a LEARNED record of " + length + " bytes"
              : null;
    }
    if (ended) {
      return "a record (kind " + kind + ") after the outcome";
    }
    return switch (kind) {
      case ChildRecord.CALLABLE_STARTING ->
          callableStarting ? "a second CALLABLE_STARTING" : expectLength(kind, length, 0);
      case ChildRecord.SETUP_FAILED, ChildRecord.CALLABLE_UNREADABLE ->
          callableStarting
              ? "a setup record after CALLABLE_STARTING"
              : kind == ChildRecord.SETUP_FAILED
                  ? expectLength(kind, length, ChildRecord.SETUP_FAILED_BYTES)
                  : boundedLength(kind, length);
      case ChildRecord.VALUE_PART, ChildRecord.VALUE_END ->
          !callableStarting
              ? "a value before CALLABLE_STARTING"
              : kind == ChildRecord.VALUE_END ? expectLength(kind, length, 0) : null;
      case ChildRecord.THREW, ChildRecord.RESULT_UNSERIALIZABLE ->
          !callableStarting ? "an outcome before CALLABLE_STARTING" : boundedLength(kind, length);
      case ChildRecord.EXIT_CALLED -> expectLength(kind, length, ChildRecord.EXIT_CALLED_BYTES);
      default -> "an unknown record kind " + kind;
    };
  }

  private static String expectLength(byte kind, int length, int expected) {
    return length == expected
        ? null
        : "a record of kind " + kind + " with " + length + " bytes, not " + expected;
  }

  private static String boundedLength(byte kind, int length) {
    return length <= MAX_RECORD_BYTES
        ? null
        : "a record of kind "
            + kind
            + " with "
            + length
            + " bytes (at most "
            + MAX_RECORD_BYTES
            + ")";
  }

  private void endRecord() {
    headerFill = 0;
    switch (kind) {
      case ChildRecord.VALUE_PART -> {}
      case ChildRecord.CALLABLE_STARTING -> callableStarting = true;
      case ChildRecord.VALUE_END -> {
        valueComplete = true;
        ended = true;
      }
      case ChildRecord.THREW -> {
        threw = payload;
        ended = true;
      }
      case ChildRecord.RESULT_UNSERIALIZABLE -> {
        resultUnserializable = payload;
        valuePieces.clear();
        valueBytes = 0;
        ended = true;
      }
      case ChildRecord.CALLABLE_UNREADABLE -> {
        callableUnreadable = payload;
        ended = true;
      }
      case ChildRecord.EXIT_CALLED -> {
        exitCalled = Bytes.getInt(payload, 0);
        ended = true;
      }
      case ChildRecord.LEARNED -> learned = learnedNames(payload);
      case ChildRecord.SETUP_FAILED -> {
        int step = Bytes.getInt(payload, 0);
        if (step < 0 || step >= SetupStep.values().length) {
          malformed = "a setup step " + step;
          return;
        }
        setupStep = SetupStep.values()[step];
        setupErrno = Bytes.getInt(payload, 4);
        ended = true;
      }
      default -> throw new AssertionError("checked in startRecord: " + kind);
    }
    payload = null;
  }

  /**
   * The shapes of a LEARNED payload: each {@link Frame.Prepare#INITIALIZE} or {@link
   * Frame.Prepare#LOAD} and a plausible binary class name; the rest is dropped.
   */
  private static List<String> learnedNames(byte[] payload) {
    List<String> shapes = new ArrayList<>();
    for (String line : new String(payload, java.nio.charset.StandardCharsets.UTF_8).split("\n")) {
      if (line.length() > 1
          && line.length() <= 1024
          && (line.charAt(0) == Frame.Prepare.INITIALIZE || line.charAt(0) == Frame.Prepare.LOAD)
          && isBinaryName(line.substring(1))) {
        shapes.add(line);
      }
    }
    return List.copyOf(shapes);
  }

  private static boolean isBinaryName(String name) {
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (!(Character.isJavaIdentifierPart(c) || c == '.' || c == '$')) {
        return false;
      }
    }
    return Character.isJavaIdentifierStart(name.charAt(0));
  }

  /** The shapes the child reported it learned (see {@link ChildRecord#LEARNED}); may be empty. */
  public List<String> learned() {
    return learned;
  }

  /** Why the stream is not a valid sequence of records, or null if it is so far. */
  public String malformed() {
    return malformed;
  }

  /** Whether the value grew past the bound given to the constructor. */
  public boolean valueTooLarge() {
    return valueTooLarge;
  }

  /** Whether the child got as far as its callable ({@link ChildRecord#CALLABLE_STARTING}). */
  public boolean callableStarting() {
    return callableStarting;
  }

  /** Whether a complete value was written. */
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

  /** The step at which the child failed before running the callable, or null. */
  public SetupStep setupStep() {
    return setupStep;
  }

  /** The errno of {@link #setupStep()}. */
  public int setupErrno() {
    return setupErrno;
  }

  /** Whether the stream ends inside a record: the child died while writing. */
  public boolean truncated() {
    return headerFill > 0 && malformed == null && !valueTooLarge;
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
