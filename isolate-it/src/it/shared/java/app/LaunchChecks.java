package app;

import dev.isolate.IsolatedCallable;
import dev.isolate.Isolator;
import dev.isolate.MemIsolate;
import dev.isolate.MemIsolateException;
import dev.isolate.Reason;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.commons.lang3.StringUtils;

/**
 * Everything a launch mode must get right, checked strictly: one {@code PASS} or {@code FAIL} line
 * per check, and the first-call and warm-call latencies ({@code FIRST-CALL-MS}, {@code CALL-MS}).
 * The checks go on after a failure, so that one run shows every problem of a launch mode.
 */
final class LaunchChecks {
  /** Set on the application's command line by its pom; the child must see what the caller sees. */
  private static final List<String> INHERITED_PROPERTIES =
      List.of("some.property", "java.library.path");

  /** Part of every java.library.path the poms pass: the JDK's default never contains it. */
  private static final String LIBRARY_PATH_MARK = "isolate-it-lib";

  /** Long enough for a slow CI machine; a hang is then a FAIL line, not a killed build. */
  private static final Duration CALL_TIMEOUT = Duration.ofSeconds(60);

  private final long callerPid = Answer.currentPid();
  private int failures;

  private LaunchChecks() {}

  /**
   * Runs every check against the workload that {@code loader} supplies once the isolator is built
   * (a plugin host loads its plugin only then), and returns the exit status: 0 if all passed.
   */
  static int run(Callable<Workload> loader) {
    LaunchChecks checks = new LaunchChecks();
    System.out.println(
        "LAUNCH caller pid "
            + checks.callerPid
            + ", java.class.path="
            + System.getProperty("java.class.path")
            + ", loader of the checks: "
            + LaunchChecks.class.getClassLoader());
    checks.runAll(loader);
    if (checks.failures == 0) {
      System.out.println("LAUNCH-CHECKS PASSED");
      return 0;
    }
    System.out.println("LAUNCH-CHECKS FAILED: " + checks.failures + " check(s) failed");
    return 1;
  }

  private void runAll(Callable<Workload> loader) {
    Greeting greeting = new Greeting("launch", 2);
    long start = System.nanoTime();
    try (Isolator isolator =
        Isolator.builder()
            .timeout(CALL_TIMEOUT)
            .crashDirectory(Path.of("target", "isolate-crashes"))
            .build()) {
      Workload workload = loader.call();
      IsolatedCallable<String> plain = workload.plain();
      if (returns("isolator.execute(plain)", () -> isolator.execute(plain), plain)) {
        System.out.println("FIRST-CALL-MS " + millisSince(start));
      }
      IsolatedCallable<String> capturing = workload.capturing(greeting);
      returns("isolator.execute(capturing)", () -> isolator.execute(capturing), capturing);
      crashes("isolator.execute(native crash)", () -> isolator.execute(workload.crash()));
      returns("isolator.execute(plain) after the crash", () -> isolator.execute(plain), plain);
      long warm = System.nanoTime();
      if (returns("isolator.execute(plain), warm", () -> isolator.execute(plain), plain)) {
        System.out.println("CALL-MS " + millisSince(warm));
      }
      for (String name : INHERITED_PROPERTIES) {
        inherits(name, isolator, workload);
      }
      returns(
          "MemIsolate.executeInIsolatedProcess(plain)",
          () -> MemIsolate.executeInIsolatedProcess(plain),
          plain);
      returns(
          "MemIsolate.executeInIsolatedProcess(capturing)",
          () -> MemIsolate.executeInIsolatedProcess(capturing),
          capturing);
      returns(
          "static final Isolator in the lambda's own class",
          () -> workload.throughStaticIsolator("static"),
          () -> Answer.of(StringUtils.reverse("static")));
    } catch (Exception e) {
      fail("building the isolator or loading the workload", e);
    }
  }

  /**
   * Checks that the isolated call returns what the callable returns in the caller, from a child.
   */
  private boolean returns(
      String check, Callable<String> isolated, IsolatedCallable<String> inCaller) {
    String expected;
    try {
      expected = Answer.value(inCaller.call());
    } catch (Exception e) {
      fail(check + " (in the caller, as the expected value)", e);
      return false;
    }
    String answer;
    try {
      answer = isolated.call();
    } catch (Exception e) {
      fail(check, e);
      return false;
    }
    if (!expected.equals(Answer.value(answer))) {
      return fail(check, "expected \"" + expected + "\" from a child, got \"" + answer + "\"");
    }
    long pid = Answer.pid(answer);
    if (pid == callerPid || pid < 0) {
      return fail(
          check, "\"" + answer + "\" was not computed in a child (caller pid " + callerPid + ")");
    }
    return pass(check, answer);
  }

  /** Checks that a native crash comes back as the child's death by a signal. */
  private void crashes(String check, Callable<Long> isolated) {
    try {
      fail(
          check,
          "expected " + Reason.CHILD_PROCESS_KILLED_BY_SIGNAL + ", it returned " + isolated.call());
    } catch (MemIsolateException e) {
      if (e.reason() == Reason.CHILD_PROCESS_KILLED_BY_SIGNAL) {
        pass(check, e.reason() + ": " + firstLine(e.getMessage()));
      } else {
        fail(check, e);
      }
    } catch (Exception e) {
      fail(check, e);
    }
  }

  /** Checks that the child sees the caller's value of a property set on its command line. */
  private void inherits(String name, Isolator isolator, Workload workload) {
    String check = "child's " + name + " is the caller's";
    String value = System.getProperty(name);
    if (value == null) {
      fail(check, "the caller has no " + name + ": the application's build must pass -D" + name);
    } else if (name.equals("java.library.path") && !value.contains(LIBRARY_PATH_MARK)) {
      fail(
          check,
          "the caller's " + name + " is the JDK's default, " + value + ": its build must set it");
    } else {
      IsolatedCallable<String> property = workload.property(name);
      returns(check, () -> isolator.execute(property), property);
    }
  }

  private boolean pass(String check, String detail) {
    System.out.println("PASS " + check + ": " + detail);
    return true;
  }

  private boolean fail(String check, String detail) {
    failures++;
    System.out.println("FAIL " + check + ": " + detail);
    return false;
  }

  private void fail(String check, Exception e) {
    if (e instanceof MemIsolateException m) {
      fail(check, m.reason() + " (" + m.category() + "): " + m);
    } else {
      fail(check, e.toString());
    }
    for (Throwable cause = e.getCause(); cause != null; cause = cause.getCause()) {
      System.out.println("  caused by " + cause);
    }
  }

  private static String firstLine(String message) {
    return message == null ? "" : message.lines().findFirst().orElse("");
  }

  private static long millisSince(long nanos) {
    return (System.nanoTime() - nanos) / 1_000_000;
  }
}
