package dev.isolate.bench;

import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;
import org.junit.platform.launcher.listeners.TestExecutionSummary;

/**
 * Runs a JUnit suite ({@link SmallSuite}) through the JUnit Platform Launcher in this JVM, as a
 * build tool's test runner does, and times the run and each test in it. Under {@link
 * SmallSuite.Isolated} the extension builds its isolator (and starts its worker image) at the first
 * test and closes it when the run ends, so the run's wall time includes one worker image's
 * start-up, as a real test run's does; the first test is reported apart for that reason.
 */
final class SuiteBench {
  private SuiteBench() {}

  /**
   * One run of a suite whose every test passed: its wall time from the launcher's {@code execute}
   * to its return, and each test's time from JUnit's start event to its finish event (set-up and
   * tear-down included).
   */
  record SuiteRun(int tests, long totalNanos, long firstTestNanos, Samples perTest) {
    /** The run's wall time divided by its tests. */
    long nanosPerTest() {
      return totalNanos / tests;
    }
  }

  /**
   * Runs every test of {@code suite} once: its times if it found {@code tests} tests and all of
   * them passed, else why not (a failing test is printed on standard error, with what it threw), so
   * that a suite that fails under isolation says so in its cells.
   */
  static Outcome<SuiteRun> run(Class<?> suite, int tests) {
    LauncherDiscoveryRequest request =
        LauncherDiscoveryRequestBuilder.request().selectors(selectClass(suite)).build();
    SummaryGeneratingListener summary = new SummaryGeneratingListener();
    TestTimes times = new TestTimes();
    long total;
    try {
      Launcher launcher = LauncherFactory.create();
      long start = System.nanoTime();
      launcher.execute(request, summary, times);
      total = System.nanoTime() - start;
    } catch (RuntimeException e) {
      System.err.println("isolate-bench: " + suite.getName() + " did not run:");
      e.printStackTrace();
      return Outcome.failed(e);
    }
    TestExecutionSummary result = summary.getSummary();
    result
        .getFailures()
        .forEach(
            failure -> {
              System.err.println(
                  "isolate-bench: "
                      + suite.getName()
                      + ": "
                      + failure.getTestIdentifier().getDisplayName()
                      + " failed:");
              failure.getException().printStackTrace();
            });
    if (result.getTestsFoundCount() != tests
        || result.getTestsSucceededCount() != tests
        || times.nanos.size() != tests) {
      return Outcome.failed(
          result.getTestsSucceededCount()
              + " of "
              + result.getTestsFoundCount()
              + " tests passed, "
              + tests
              + " expected");
    }
    long[] nanos = times.nanos.stream().mapToLong(Long::longValue).toArray();
    return Outcome.measured(new SuiteRun(tests, total, nanos[0], Samples.of(nanos)));
  }

  /** Each test's time from its start to its finish, in the order they finished. */
  private static final class TestTimes implements TestExecutionListener {
    private final Map<String, Long> started = new HashMap<>();
    private final List<Long> nanos = new ArrayList<>();

    @Override
    public void executionStarted(TestIdentifier test) {
      if (test.isTest()) {
        started.put(test.getUniqueId(), System.nanoTime());
      }
    }

    @Override
    public void executionFinished(TestIdentifier test, TestExecutionResult result) {
      Long start = started.remove(test.getUniqueId());
      if (test.isTest() && start != null) {
        nanos.add(System.nanoTime() - start);
      }
    }
  }
}
