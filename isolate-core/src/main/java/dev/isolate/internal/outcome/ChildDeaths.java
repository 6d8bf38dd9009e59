package dev.isolate.internal.outcome;

import dev.isolate.Reason;
import dev.isolate.internal.host.CallOutcome;
import dev.isolate.internal.host.ChildOutput;
import dev.isolate.internal.wire.CallLimits;
import dev.isolate.posix.Signals;
import dev.isolate.posix.WaitStatus;

/**
 * How a child that died is told apart and described for {@link Classification}: killed by a signal,
 * at its CPU limit, or at its native memory limit, with the facts its crash left.
 */
final class ChildDeaths {
  private static final long MIB = 1024 * 1024;

  private ChildDeaths() {}

  static boolean cpuLimitReached(WaitStatus status, CallOutcome.Usage usage, CallLimits limits) {
    if (limits.cpuSeconds() == 0) {
      return false;
    }
    // SIGXCPU comes at the soft limit; SIGKILL at the hard one, a second later, if SIGXCPU was
    // ignored.
    return status.termSignal() == Signals.SIGXCPU
        || (status.termSignal() == Signals.SIGKILL
            && usage.cpuMillis() >= limits.cpuSeconds() * 1000);
  }

  /** HotSpot died of a failed native allocation while the child ran under a native memory limit. */
  static boolean nativeLimitReached(CrashFacts report, CallLimits limits) {
    return limits.nativeMemoryBytes() > 0 && report.nativeAllocationFailure() != null;
  }

  static Failure nativeLimitExceeded(int pid, CrashFacts report, CallLimits limits) {
    return new Failure(
            Reason.NATIVE_MEMORY_LIMIT_EXCEEDED,
            "child "
                + pid
                + " reached its native memory limit of "
                + describeBytes(limits.nativeMemoryBytes())
                + " (RLIMIT_AS) and its JVM died: "
                + report.nativeAllocationFailure()
                + (report.hsErrFile() == null ? "" : "; see " + report.hsErrFile()))
        .crash(report);
  }

  static Failure killedBySignal(
      int pid, WaitStatus status, CrashFacts report, CallLimits limits, ChildOutput output) {
    if (nativeLimitReached(report, limits)) {
      return nativeLimitExceeded(pid, report, limits).signal(status.termSignal());
    }
    StringBuilder message =
        new StringBuilder("child ")
            .append(pid)
            .append(" was killed by ")
            .append(Signals.name(status.termSignal()));
    if (report.fatalSignal() != null
        && !report.fatalSignal().equals(Signals.name(status.termSignal()))) {
      message.append(" after ").append(report.fatalSignal());
    }
    if (report.problematicFrame() != null) {
      message.append(" in ").append(report.problematicFrame());
    }
    if (report.hsErrFile() != null) {
      message.append("; see ").append(report.hsErrFile());
    } else {
      message.append(stderrHint(output));
    }
    if (limits.nativeMemoryBytes() > 0) {
      message
          .append("; the child ran under a native memory limit of ")
          .append(describeBytes(limits.nativeMemoryBytes()))
          .append(
              " (RLIMIT_AS), past which malloc returns NULL, which native code that does not"
                  + " check it dereferences");
    }
    return new Failure(Reason.CHILD_PROCESS_KILLED_BY_SIGNAL, message.toString())
        .signal(status.termSignal())
        .crash(report);
  }

  static String describeBytes(long bytes) {
    return bytes % MIB == 0 ? bytes / MIB + " MiB" : bytes + " bytes";
  }

  static String stderrHint(ChildOutput output) {
    String tail = output.stderrTail().strip();
    if (tail.isEmpty()) {
      return "";
    }
    int lastLine = tail.lastIndexOf('\n');
    return "; its stderr ended with: " + tail.substring(lastLine + 1);
  }
}
