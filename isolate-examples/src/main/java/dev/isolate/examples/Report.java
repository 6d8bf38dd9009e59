package dev.isolate.examples;

import dev.isolate.MemIsolateException;

/**
 * How the examples print what they saw: a heading per step, an indented line per fact, and an
 * {@code UNEXPECTED} line when a check fails, so that a check reads {@code ok || unexpected(...)}.
 */
final class Report {
  static final String INDENT = "    ";
  private static final long MIB = 1024 * 1024;

  private Report() {}

  static void heading(String title) {
    System.out.println();
    System.out.println(title);
  }

  static void line(String label, Object value) {
    System.out.printf("%s%-18s %s%n", INDENT, label, value);
  }

  /** Prints what went wrong and returns false. */
  static boolean unexpected(String what) {
    System.out.println(INDENT + "UNEXPECTED: " + what);
    return false;
  }

  static boolean unexpected(MemIsolateException e) {
    return unexpected(
        "the call failed: " + e.category() + "/" + e.reason() + ": " + e.getMessage());
  }

  static String mib(long bytes) {
    return bytes / MIB + " MiB";
  }
}
