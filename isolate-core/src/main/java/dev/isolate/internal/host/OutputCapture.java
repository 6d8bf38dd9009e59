package dev.isolate.internal.host;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * Keeps the last {@link #LIMIT} bytes of one output stream of a child (or of the worker image) and,
 * if asked, forwards it line by line with a prefix, so that lines of different children never
 * interleave mid-line.
 */
final class OutputCapture {
  static final int LIMIT = 64 * 1024;

  private final byte[] ring = new byte[LIMIT];
  private long total;
  private final PrintStream forwardTo;
  private volatile String prefix;
  private final ByteArrayOutputStream line = new ByteArrayOutputStream();

  OutputCapture(PrintStream forwardTo, String prefix) {
    this.forwardTo = forwardTo;
    this.prefix = prefix;
  }

  void prefix(String value) {
    prefix = value;
  }

  synchronized void append(byte[] bytes, int offset, int length) {
    for (int i = 0; i < length; i++) {
      ring[(int) (total++ % LIMIT)] = bytes[offset + i];
    }
    if (forwardTo != null) {
      for (int i = 0; i < length; i++) {
        byte b = bytes[offset + i];
        if (b == '\n') {
          emitLine();
        } else {
          line.write(b);
        }
      }
    }
  }

  /** Forwards a last line that had no newline. */
  synchronized void finish() {
    if (forwardTo != null && line.size() > 0) {
      emitLine();
    }
  }

  private void emitLine() {
    forwardTo.println(prefix + line.toString(StandardCharsets.UTF_8));
    line.reset();
  }

  synchronized String tail() {
    int size = (int) Math.min(total, LIMIT);
    byte[] copy = new byte[size];
    int start = (int) ((total - size) % LIMIT);
    for (int i = 0; i < size; i++) {
      copy[i] = ring[(start + i) % LIMIT];
    }
    return new String(copy, StandardCharsets.UTF_8);
  }
}
