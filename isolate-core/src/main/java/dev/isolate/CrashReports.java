package dev.isolate;

import dev.isolate.internal.host.ChildOutput;
import dev.isolate.posix.Signals;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads what HotSpot reported about a child's death: its {@code hs_err} file, else its output. */
final class CrashReports {
  private static final Pattern FATAL_SIGNAL =
      Pattern.compile("#\\s+(SIG[A-Z0-9]+) \\(0x[0-9a-fA-F]+\\) at pc=");
  private static final Pattern FAULT_ADDRESS = Pattern.compile("si_addr: (0x[0-9a-fA-F]+)");
  private static final Pattern PROBLEMATIC_FRAME =
      Pattern.compile("# Problematic frame:\\R#\\s*(.+)");
  private static final Pattern NATIVE_ALLOCATION_FAILED =
      Pattern.compile("# (Native memory allocation \\(\\w+\\) failed[^\\n]*)");

  /**
   * Slack for file time stamps against the call's start, so that a file left by an earlier child of
   * the same pid is not read.
   */
  private static final long CLOCK_SLACK_MILLIS = 2000;

  private static final int MAX_REPORT_BYTES = 4 * 1024 * 1024;

  private CrashReports() {}

  /**
   * The report of child {@code childPid}, from its {@code hs_err} file in {@code crashFiles} if it
   * wrote one after {@code startedAtMillis}, else from its output. Prunes old reports.
   */
  static CrashReport of(
      CrashFiles crashFiles, int childPid, long startedAtMillis, ChildOutput output) {
    Path hsErr =
        crashFiles == null || childPid <= 0
            ? null
            : crashFiles.directory().resolve("hs_err_pid" + childPid + ".log");
    String text = null;
    if (hsErr != null && writtenSince(hsErr, startedAtMillis)) {
      text = readPrefix(hsErr);
      if (crashFiles.keep() == 0) {
        delete(hsErr);
        hsErr = null;
      }
      crashFiles.prune();
    } else {
      hsErr = null;
    }
    if (text == null) {
      // Without a file, HotSpot's banner on the child's own output says the same.
      text = output.stdoutTail() + "\n" + output.stderrTail();
    }
    String signal = find(FATAL_SIGNAL, text);
    Integer signalNumber = null;
    if (signal != null && Signals.number(signal).isPresent()) {
      signalNumber = Signals.number(signal).getAsInt();
    }
    String frame = find(PROBLEMATIC_FRAME, text);
    return new CrashReport(
        signal,
        signalNumber,
        signal == null ? null : find(FAULT_ADDRESS, text),
        frame == null ? null : frame.strip(),
        find(NATIVE_ALLOCATION_FAILED, text),
        hsErr,
        output.stdoutTail(),
        output.stderrTail());
  }

  /** A report of the output alone, for a child that left no {@code hs_err} file. */
  static CrashReport ofOutput(int childPid, ChildOutput output) {
    return of(null, childPid, 0, output);
  }

  private static boolean writtenSince(Path file, long startedAtMillis) {
    try {
      return Files.isRegularFile(file)
          && Files.getLastModifiedTime(file).toMillis() >= startedAtMillis - CLOCK_SLACK_MILLIS;
    } catch (IOException e) {
      return false;
    }
  }

  private static void delete(Path file) {
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      // The next prune tries again.
    }
  }

  private static String readPrefix(Path file) {
    try (InputStream in = Files.newInputStream(file)) {
      return new String(in.readNBytes(MAX_REPORT_BYTES), StandardCharsets.UTF_8);
    } catch (IOException e) {
      return null;
    }
  }

  private static String find(Pattern pattern, String text) {
    Matcher matcher = pattern.matcher(text);
    return matcher.find() ? matcher.group(1) : null;
  }
}
