package dev.isolate.bench;

import java.util.Locale;

/**
 * How numbers are written in the report: one unit per cell, so that a reader compares rows at a
 * glance.
 */
final class Format {
  private static final double MIB = 1024.0 * 1024;

  private Format() {}

  static String duration(long nanos) {
    if (nanos < 1_000) {
      return nanos + " ns";
    }
    if (nanos < 1_000_000) {
      return String.format(Locale.ROOT, "%.1f µs", nanos / 1e3);
    }
    if (nanos < 1_000_000_000) {
      return String.format(Locale.ROOT, "%.2f ms", nanos / 1e6);
    }
    return String.format(Locale.ROOT, "%.2f s", nanos / 1e9);
  }

  /** A factor such as {@code 17.3x}; two decimals below 10. */
  static String ratio(double factor) {
    return String.format(Locale.ROOT, factor < 10 ? "%.2fx" : "%.1fx", factor);
  }

  static String mib(long bytes) {
    return String.format(Locale.ROOT, "%.1f MiB", bytes / MIB);
  }

  static String seconds(long nanos) {
    return String.format(Locale.ROOT, "%.2f", nanos / 1e9);
  }

  /** A rate with no decimals: calls/s or MB/s, named in the column header. */
  static String rate(double perSecond) {
    return String.format(Locale.ROOT, "%.0f", perSecond);
  }
}
