package app;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A value tagged with the pid of the process that computed it, so that a check can tell a child's
 * answer from one computed in the caller (a library that quietly ran the callable in place would
 * otherwise pass every check).
 */
public final class Answer {
  private static final String SEPARATOR = " @pid ";

  private Answer() {}

  /** {@code value}, tagged with this process's pid. */
  public static String of(String value) {
    return value + SEPARATOR + currentPid();
  }

  /** The value of an answer, without its pid. */
  static String value(String answer) {
    int at = answer.lastIndexOf(SEPARATOR);
    return at < 0 ? answer : answer.substring(0, at);
  }

  /** The pid an answer was computed in, or -1 if it has none. */
  static long pid(String answer) {
    int at = answer.lastIndexOf(SEPARATOR);
    return at < 0 ? -1 : Long.parseLong(answer.substring(at + SEPARATOR.length()));
  }

  /**
   * This process's pid, from /proc: {@code ProcessHandle.current()} is computed once per JVM, so in
   * a forked child it may still be the pid of the process it was forked from.
   */
  static long currentPid() {
    try {
      return Long.parseLong(Files.readSymbolicLink(Path.of("/proc/self")).toString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
