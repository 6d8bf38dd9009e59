package dev.isolate.internal.outcome;

import dev.isolate.posix.Signals;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What HotSpot reported about a child's death, read from its {@code hs_err} file or, without one,
 * from the banner on its output; fields are null where the report did not say.
 */
public record CrashFacts(
    String fatalSignal,
    Integer fatalSignalNumber,
    String faultAddress,
    String problematicFrame,
    String nativeAllocationFailure,
    Path hsErrFile,
    String stdoutTail,
    String stderrTail) {

  private static final Pattern FATAL_SIGNAL =
      Pattern.compile("#\\s+(SIG[A-Z0-9]+) \\(0x[0-9a-fA-F]+\\) at pc=");
  private static final Pattern FAULT_ADDRESS = Pattern.compile("si_addr: (0x[0-9a-fA-F]+)");
  private static final Pattern PROBLEMATIC_FRAME =
      Pattern.compile("# Problematic frame:\\R#\\s*(.+)");
  private static final Pattern NATIVE_ALLOCATION_FAILED =
      Pattern.compile("# (Native memory allocation \\(\\w+\\) failed[^\\n]*)");

  /**
   * Reads the facts from {@code report}, the text of an {@code hs_err} file (kept as {@code
   * hsErrFile}, or null if not kept), or from the output when there is no file ({@code report}
   * null).
   */
  public static CrashFacts parse(
      String report, Path hsErrFile, String stdoutTail, String stderrTail) {
    String text = report != null ? report : stdoutTail + "\n" + stderrTail;
    String signal = find(FATAL_SIGNAL, text);
    Integer number =
        signal != null && Signals.number(signal).isPresent()
            ? Signals.number(signal).getAsInt()
            : null;
    String frame = find(PROBLEMATIC_FRAME, text);
    return new CrashFacts(
        signal,
        number,
        signal == null ? null : find(FAULT_ADDRESS, text),
        frame == null ? null : frame.strip(),
        find(NATIVE_ALLOCATION_FAILED, text),
        hsErrFile,
        stdoutTail,
        stderrTail);
  }

  /** The facts of a child's output alone. */
  public static CrashFacts ofOutput(String stdoutTail, String stderrTail) {
    return parse(null, null, stdoutTail, stderrTail);
  }

  private static String find(Pattern pattern, String text) {
    Matcher matcher = pattern.matcher(text);
    return matcher.find() ? matcher.group(1) : null;
  }
}
