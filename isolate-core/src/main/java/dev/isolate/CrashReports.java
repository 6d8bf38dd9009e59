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
  private static final Pattern FATAL_SIGNAL = Pattern.compile("#\\s+(SIG[A-Z0-9]+) \\(0x[0-9a-fA-F]+\\) at pc=");
  private static final Pattern FAULT_ADDRESS = Pattern.compile("si_addr: (0x[0-9a-fA-F]+)");
  private static final Pattern PROBLEMATIC_FRAME = Pattern.compile("# Problematic frame:\\R#\\s*(.+)");
  private static final int MAX_REPORT_BYTES = 4 * 1024 * 1024;

  private CrashReports() {}

  static CrashReport of(Path crashDirectory, int childPid, ChildOutput output) {
    Path hsErr = crashDirectory == null || childPid <= 0 ? null : crashDirectory.resolve("hs_err_pid" + childPid + ".log");
    String text = null;
    if (hsErr != null && Files.isRegularFile(hsErr)) {
      text = readPrefix(hsErr);
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
        hsErr,
        output.stdoutTail(),
        output.stderrTail());
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
