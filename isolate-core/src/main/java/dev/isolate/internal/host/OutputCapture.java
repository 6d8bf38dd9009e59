package dev.isolate.internal.host;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * Keeps the last {@link #TAIL} bytes of one output stream of a child (or of the worker image) and,
 * if asked, forwards it line by line with a prefix, so that lines of different children never
 * interleave mid-line. Bounded whatever the child writes: a line longer than {@link #LINE} is
 * forwarded in pieces, and past {@code maxBytes} the rest is dropped and counted, and one line says
 * how much.
 */
final class OutputCapture {
  static final int TAIL = 64 * 1024;

  /** The longest line forwarded whole; a longer one goes in pieces of this size. */
  static final int LINE = 64 * 1024;

  private final byte[] ring = new byte[TAIL];
  private long total;
  private final PrintStream forwardTo;
  private final long maxBytes;
  private volatile String prefix;
  private final ByteArrayOutputStream line = new ByteArrayOutputStream();
  private long dropped;
  private boolean finished;

  OutputCapture(PrintStream forwardTo, String prefix, long maxBytes) {
    this.forwardTo = forwardTo;
    this.prefix = prefix;
    this.maxBytes = maxBytes;
  }

  void prefix(String value) {
    prefix = value;
  }

  synchronized void append(byte[] bytes, int offset, int length) {
    long room = Math.max(0, maxBytes - total);
    int kept = (int) Math.min(length, room);
    dropped += length - kept;
    for (int i = 0; i < kept; i++) {
      ring[(int) (total++ % TAIL)] = bytes[offset + i];
    }
    if (forwardTo != null) {
      for (int i = 0; i < kept; i++) {
        byte b = bytes[offset + i];
        if (b == '\n') {
          emitLine();
        } else {
          line.write(b);
          if (line.size() == LINE) {
            emitLine();
          }
        }
      }
    }
  }

  /** Bytes that another party dropped before they got here: said in the last line. */
  synchronized void droppedElsewhere(long bytes) {
    dropped += bytes;
  }

  /** Forwards a last line that had no newline, and says how much was dropped. */
  synchronized void finish() {
    if (finished) {
      return;
    }
    finished = true;
    if (forwardTo != null && line.size() > 0) {
      emitLine();
    }
    if (forwardTo != null && dropped > 0) {
      forwardTo.println(
          prefix + "... " + dropped + " more bytes dropped (maxOutputBytes is " + maxBytes + ")");
    }
  }

  private void emitLine() {
    forwardTo.println(prefix + line.toString(StandardCharsets.UTF_8));
    line.reset();
  }

  synchronized String tail() {
    int size = (int) Math.min(total, TAIL);
    byte[] copy = new byte[size];
    int start = (int) ((total - size) % TAIL);
    for (int i = 0; i < size; i++) {
      copy[i] = ring[(start + i) % TAIL];
    }
    return new String(copy, StandardCharsets.UTF_8);
  }
}
