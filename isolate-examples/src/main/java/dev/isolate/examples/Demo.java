package dev.isolate.examples;

import static dev.isolate.examples.Report.heading;
import static dev.isolate.examples.Report.line;
import static dev.isolate.examples.Report.mib;
import static dev.isolate.examples.Report.unexpected;

import dev.isolate.CrashReport;
import dev.isolate.IsolatedCallable;
import dev.isolate.Isolator;
import dev.isolate.MemIsolateException;
import dev.isolate.Reason;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * A tour of isolate: a normal call, then a native crash, a native leak, an {@code abort()} and a
 * hang, each in a child process, while the JVM running this {@code main} carries on.
 *
 * <p>Run it from the repository root with {@code mvn -q -DskipTests package exec:exec}. It exits
 * with 0 if every step failed (or succeeded) exactly as expected, and 1 otherwise.
 */
public final class Demo {
  private static final long GIB = 1L << 30;
  private static final long MIB = 1L << 20;
  private static final int LEAKS = 5;
  // Far below the 5 GiB leaked: the caller's own JIT and buffers may add a few MiB.
  private static final long RSS_GROWTH_LIMIT = 256 * MIB;

  private Demo() {}

  /** Runs the tour; the exit status is 0 if every step behaved as expected. */
  public static void main(String[] args) {
    long pid = ProcessHandle.current().pid();
    System.out.println(
        "isolate demo: every step runs in a child process forked for it; this JVM is pid " + pid);
    boolean ok;
    // Without forwarding, HotSpot's crash banner stays in the crash report instead of flooding the
    // screen.
    try (Isolator isolator =
            Isolator.builder().timeout(Duration.ofSeconds(10)).forwardChildOutput(false).build();
        Isolator impatient =
            Isolator.builder().timeout(Duration.ofSeconds(2)).forwardChildOutput(false).build()) {
      ok = normalCall(isolator);
      ok &= segfault(isolator);
      ok &= leak(isolator);
      ok &= abort(isolator);
      ok &= hang(impatient);
    }
    System.out.println();
    System.out.println(
        "6. The caller JVM is still alive (pid "
            + pid
            + ")"
            + (ok ? "" : ", but some step went wrong"));
    System.exit(ok ? 0 : 1);
  }

  private static boolean normalCall(Isolator isolator) {
    heading("1. A normal call");
    try {
      int answer = isolator.execute(() -> 6 * 7);
      line("6 * 7 in a child", answer);
      return answer == 42 || unexpected("the answer should be 42");
    } catch (MemIsolateException e) {
      return unexpected(e);
    }
  }

  private static boolean segfault(Isolator isolator) {
    heading("2. A native SIGSEGV: libc strlen() of address 1");
    Optional<MemIsolateException> failure = failureOf(isolator, CrashyNativeLibrary::segfault);
    if (failure.isEmpty()) {
      return false;
    }
    MemIsolateException e = failure.get();
    describe(e);
    CrashReport report = e.crashReport().orElse(null);
    if (report != null) {
      String signal = report.fatalSignal().orElse("(not reported)");
      String number =
          report.fatalSignalNumber().isPresent()
              ? " (" + report.fatalSignalNumber().getAsInt() + ")"
              : "";
      String address = report.faultAddress().map(a -> " at address " + a).orElse("");
      line("original signal", signal + number + address);
      line("problematic frame", report.problematicFrame().orElse("(not reported)"));
      line("hs_err file", report.hsErrFile().map(Path::toString).orElse("(none written)"));
    } else {
      line("crash report", "(none)");
    }
    return expect(e, Reason.CHILD_PROCESS_KILLED_BY_SIGNAL);
  }

  private static boolean leak(Isolator isolator) {
    heading("3. A native leak: malloc() and memset() of 1 GiB, never freed, " + LEAKS + " times");
    long before = residentBytes();
    line("caller RSS before", mib(before));
    for (int i = 1; i <= LEAKS; i++) {
      try {
        // The child reports its own RSS after the leak, to show the gigabyte was really resident.
        long[] child =
            isolator.execute(
                () -> {
                  long address = CrashyNativeLibrary.leak(GIB);
                  return new long[] {address, residentBytes()};
                });
        line(
            "leak " + i + "/" + LEAKS,
            String.format("child RSS %s with 1 GiB leaked at 0x%x", mib(child[1]), child[0]));
      } catch (MemIsolateException e) {
        return unexpected(e);
      }
    }
    long after = residentBytes();
    line(
        "caller RSS after",
        mib(after)
            + String.format(" (%+d MiB: each leak ended with its child)", (after - before) / MIB));
    return after - before < RSS_GROWTH_LIMIT
        || unexpected("the caller's RSS grew by " + mib(after - before));
  }

  private static boolean abort(Isolator isolator) {
    heading("4. A native abort(): libc abort()");
    Optional<MemIsolateException> failure =
        failureOf(
            isolator,
            () -> {
              CrashyNativeLibrary.abort();
              return null;
            });
    failure.ifPresent(Demo::describe);
    return failure.isPresent() && expect(failure.get(), Reason.CHILD_PROCESS_KILLED_BY_SIGNAL);
  }

  private static boolean hang(Isolator impatient) {
    heading("5. A hang: libc pause(), with a 2 s timeout");
    long start = System.nanoTime();
    Optional<MemIsolateException> failure = failureOf(impatient, CrashyNativeLibrary::pause);
    long millis = (System.nanoTime() - start) / 1_000_000;
    failure.ifPresent(Demo::describe);
    line("caller waited", String.format("%.1f s", millis / 1000.0));
    return failure.isPresent() && expect(failure.get(), Reason.TIMED_OUT);
  }

  /** The failure of a call that must fail; a call that returns is reported as unexpected. */
  private static Optional<MemIsolateException> failureOf(
      Isolator isolator, IsolatedCallable<?> callable) {
    try {
      Object value = isolator.execute(callable);
      unexpected("the call returned " + value + " instead of failing");
      return Optional.empty();
    } catch (MemIsolateException e) {
      return Optional.of(e);
    }
  }

  private static void describe(MemIsolateException e) {
    line("exception", e.getClass().getSimpleName());
    line(
        "category",
        e.category()
            + (e.category().safeToRetry() ? " (safe to retry)" : " (retry only if idempotent)"));
    line("reason", e.reason());
    if (e.signal().isPresent()) {
      int signal = e.signal().getAsInt();
      String note =
          signal == 6 && e.crashReport().flatMap(CrashReport::fatalSignal).isPresent()
              ? " (HotSpot's crash handler aborts after writing its report)"
              : "";
      line("waitpid signal", signalName(signal) + "=" + signal + note);
    }
    if (e.exitStatus().isPresent()) {
      line("exit status", e.exitStatus().getAsInt());
    }
  }

  private static boolean expect(MemIsolateException e, Reason expected) {
    if (e.reason() == expected) {
      return true;
    }
    return unexpected(
        "expected "
            + expected.category()
            + "/"
            + expected
            + ", got "
            + e.category()
            + "/"
            + e.reason()
            + ": "
            + e.getMessage());
  }

  /** The signals this demo meets; the library reports numbers. */
  private static String signalName(int signal) {
    return switch (signal) {
      case 6 -> "SIGABRT";
      case 9 -> "SIGKILL";
      case 11 -> "SIGSEGV";
      case 15 -> "SIGTERM";
      default -> "signal";
    };
  }

  /** This process's resident set size, from the {@code VmRSS} line of {@code /proc/self/status}. */
  static long residentBytes() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("VmRSS:")) {
          // "VmRSS:     52344 kB"
          return Long.parseLong(line.substring("VmRSS:".length()).replace("kB", "").strip()) * 1024;
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    throw new IllegalStateException("no VmRSS line in /proc/self/status");
  }
}
