package dev.isolate.examples;

import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;

/**
 * Runs {@link CrashyLibraryTests} on the JUnit Platform, in this JVM, and prints what JUnit reports
 * for each test: a leak that passes, a segfault, an {@code abort()}, a hang past its timeout and a
 * failed assertion each fail their own test, and this JVM survives them all.
 *
 * <p>Run it with {@code mvn -q -DskipTests package exec:exec -Dexample=CiHarness}.
 */
public final class CiHarness {
  private CiHarness() {}

  public static void main(String[] args) {
    LauncherDiscoveryRequest request =
        LauncherDiscoveryRequestBuilder.request()
            .selectors(selectClass(CrashyLibraryTests.class))
            .build();
    SummaryGeneratingListener summary = new SummaryGeneratingListener();
    TestExecutionListener report =
        new TestExecutionListener() {
          @Override
          public void executionFinished(TestIdentifier test, TestExecutionResult result) {
            if (!test.isTest()) {
              return;
            }
            String line = String.format("%-24s %s", test.getDisplayName(), result.getStatus());
            if (result.getThrowable().isPresent()) {
              Throwable thrown = result.getThrowable().get();
              line +=
                  "  "
                      + thrown.getClass().getSimpleName()
                      + ": "
                      + thrown.getMessage().lines().findFirst().orElse("");
            }
            System.out.println(line);
          }
        };
    Launcher launcher = LauncherFactory.create();
    launcher.execute(request, report, summary);
    System.out.printf(
        "%d tests: %d passed, %d failed%n",
        summary.getSummary().getTestsFoundCount(),
        summary.getSummary().getTestsSucceededCount(),
        summary.getSummary().getTestsFailedCount());
    System.out.println(
        "the harness JVM is still alive (pid " + ProcessHandle.current().pid() + ")");
  }
}
