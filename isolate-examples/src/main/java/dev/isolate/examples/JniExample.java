package dev.isolate.examples;

import static dev.isolate.examples.Report.heading;
import static dev.isolate.examples.Report.line;
import static dev.isolate.examples.Report.mib;
import static dev.isolate.examples.Report.unexpected;

import dev.isolate.CrashReport;
import dev.isolate.Isolator;
import dev.isolate.MemIsolateException;
import dev.isolate.Reason;
import dev.isolate.examples.jni.CrashyJni;
import dev.isolate.examples.jni.LibraryPath;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * A real JNI library in child processes: {@code libcrashy.so} ({@link CrashyJni}, C compiled by gcc
 * when this module is built) returns a value, segfaults and leaks, each in a child forked for its
 * call, while the JVM running this {@code main} carries on and never loads the library itself.
 *
 * <p>Run it from the repository root with {@code mvn -q -DskipTests package exec:exec
 * -Dexample=JniExample}, which starts this JVM with {@code
 * -Djava.library.path=isolate-examples/target/native}. The isolator is given no option of its own:
 * the caller's {@code java.library.path} reaches the worker image and its children, as any team's
 * {@code -Djava.library.path} should. It exits with 0 if every step behaved as expected, 1
 * otherwise, and 2 if the library is not in this JVM's {@code java.library.path}.
 */
public final class JniExample {
  private static final long MIB = 1L << 20;
  private static final int N = 1000;
  // 1*1 + 2*2 + ... + n*n = n(n + 1)(2n + 1) / 6: computed in Java, to check what C computed.
  private static final long SUM_OF_SQUARES = (long) N * (N + 1) * (2 * N + 1) / 6;
  private static final long LEAK_BYTES = 256 * MIB;
  private static final int LEAKS = 4;
  // Far below the 1 GiB leaked in all: the caller's own JIT and buffers may add a few MiB.
  private static final long RSS_GROWTH_LIMIT = 256 * MIB;

  private JniExample() {}

  /** Runs the example; the exit status is 0 if every step behaved as expected. */
  public static void main(String[] args) {
    long pid = ProcessHandle.current().pid();
    String fileName = System.mapLibraryName(CrashyJni.LIBRARY);
    Optional<Path> library = LibraryPath.find(CrashyJni.LIBRARY);
    if (library.isEmpty()) {
      System.out.println(
          fileName
              + " is not in this JVM's java.library.path ("
              + System.getProperty("java.library.path")
              + "): build isolate-examples on a machine with gcc, which writes it into"
              + " isolate-examples/target/native, and run this with"
              + " -Djava.library.path=<that directory>");
      System.exit(2);
    }
    System.out.println(
        "isolate JNI example: "
            + fileName
            + " runs in child processes forked for each call; this JVM is pid "
            + pid);
    line("library", library.get());
    boolean ok;
    // No jvmOptions: the caller's java.library.path is what the children load the library from.
    // Without forwarding, HotSpot's crash banner stays in the crash report.
    try (Isolator isolator =
        Isolator.builder().timeout(Duration.ofSeconds(30)).forwardChildOutput(false).build()) {
      ok = value(isolator);
      ok &= segfault(isolator, fileName);
      ok &= leak(isolator);
    }
    // Every call loaded the library in its child; the caller's JVM must not have mapped it.
    ok &=
        !LibraryPath.isLoadedHere(CrashyJni.LIBRARY)
            || unexpected(fileName + " is mapped into the caller's JVM");
    System.out.println();
    System.out.println(
        "4. The caller JVM is still alive (pid "
            + pid
            + ")"
            + (ok
                ? ", and " + fileName + " was never loaded into it"
                : ", but some step went wrong"));
    System.exit(ok ? 0 : 1);
  }

  private static boolean value(Isolator isolator) {
    heading("1. A value computed in C: sumOfSquares(" + N + ")");
    try {
      long sum = isolator.execute(() -> CrashyJni.sumOfSquares(N));
      line("in a child", sum);
      return sum == SUM_OF_SQUARES || unexpected("the sum should be " + SUM_OF_SQUARES);
    } catch (MemIsolateException e) {
      return unexpected(e);
    }
  }

  private static boolean segfault(Isolator isolator, String fileName) {
    heading("2. A SIGSEGV in C: segfault() writes through a NULL pointer");
    MemIsolateException e;
    try {
      int value = isolator.execute(() -> CrashyJni.segfault());
      return unexpected("the call returned " + value + " instead of failing");
    } catch (MemIsolateException failure) {
      e = failure;
    }
    line("exception", e.getClass().getSimpleName());
    line(
        "category",
        e.category()
            + (e.category().safeToRetry() ? " (safe to retry)" : " (retry only if idempotent)"));
    line("reason", e.reason());
    if (e.signal().isPresent()) {
      int signal = e.signal().getAsInt();
      String note = signal == 6 ? " (HotSpot's crash handler aborts after its report)" : "";
      line("waitpid signal", signal + note);
    }
    CrashReport report = e.crashReport().orElse(null);
    String frame = "(no crash report)";
    if (report != null) {
      frame = report.problematicFrame().orElse("(not reported)");
      String number =
          report.fatalSignalNumber().isPresent()
              ? " (" + report.fatalSignalNumber().getAsInt() + ")"
              : "";
      line(
          "original signal",
          report.fatalSignal().orElse("(not reported)")
              + number
              + report.faultAddress().map(address -> " at " + address).orElse(""));
      line("problematic frame", frame);
      line("hs_err file", report.hsErrFile().map(Path::toString).orElse("(none written)"));
    }
    if (e.reason() != Reason.CHILD_PROCESS_KILLED_BY_SIGNAL) {
      return unexpected(
          "expected CHILD_PROCESS_KILLED_BY_SIGNAL, got " + e.reason() + ": " + e.getMessage());
    }
    // The crash report must blame the JNI library, not the JVM or libc.
    if (!frame.contains("[" + fileName + "+")) {
      return unexpected("the problematic frame should be in " + fileName + ": " + frame);
    }
    try {
      long sum = isolator.execute(() -> CrashyJni.sumOfSquares(N));
      line("the next call", sum + " (the isolator goes on)");
      return sum == SUM_OF_SQUARES || unexpected("the sum should be " + SUM_OF_SQUARES);
    } catch (MemIsolateException next) {
      return unexpected(next);
    }
  }

  private static boolean leak(Isolator isolator) {
    heading(
        "3. A leak in C: leak() mallocs and memsets "
            + mib(LEAK_BYTES)
            + ", never freed, "
            + LEAKS
            + " times");
    boolean ok = true;
    long before = Demo.residentBytes();
    line("caller RSS before", mib(before));
    for (int i = 1; i <= LEAKS; i++) {
      try {
        // The child reports what it has leaked in all and its own RSS, to show the leak was real.
        long[] child =
            isolator.execute(() -> new long[] {CrashyJni.leak(LEAK_BYTES), Demo.residentBytes()});
        line(
            "leak " + i + "/" + LEAKS,
            "the child has leaked " + mib(child[0]) + " in all, its RSS is " + mib(child[1]));
        // Each child is a fresh process: it has leaked only its own call's bytes.
        ok &=
            child[0] == LEAK_BYTES
                || unexpected("the child should have leaked " + mib(LEAK_BYTES) + " in all");
      } catch (MemIsolateException e) {
        return unexpected(e);
      }
    }
    long after = Demo.residentBytes();
    line(
        "caller RSS after",
        mib(after)
            + String.format(" (%+d MiB: each leak ended with its child)", (after - before) / MIB));
    return ok
        && (after - before < RSS_GROWTH_LIMIT
            || unexpected("the caller's RSS grew by " + mib(after - before)));
  }
}
