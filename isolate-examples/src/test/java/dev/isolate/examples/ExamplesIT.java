package dev.isolate.examples;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Each example, run as its command runs it, does what it says. */
@Timeout(180)
class ExamplesIT {

  @Test
  void ciHarnessReportsEachCrashAsAFailedTestAndSurvives() throws Exception {
    String output = ExampleRun.run(CiHarness.class);
    assertThat(output)
        .containsPattern("leaksAGibibyteAndPasses\\(\\)\\s+SUCCESSFUL")
        .containsPattern("passes\\(\\)\\s+SUCCESSFUL")
        .containsPattern(
            "segfaultsInNativeCode\\(\\)\\s+FAILED\\s+IsolatedTestFailure:"
                + " .*CHILD_PROCESS_KILLED_BY_SIGNAL, signal 6, crash frame")
        .containsPattern("abortsInNativeCode\\(\\)\\s+FAILED\\s+IsolatedTestFailure: .*signal 6")
        .containsPattern("hangsInNativeCode\\(\\)\\s+FAILED\\s+IsolatedTestFailure: .*TIMED_OUT")
        .containsPattern(
            "failsAnAssertion\\(\\)\\s+FAILED\\s+AssertionFailedError: the answer ==> expected:"
                + " <42> but was: <54>")
        .contains("6 tests: 2 passed, 4 failed")
        .contains("the harness JVM is still alive");
  }

  @Test
  void retryExampleRetriesWhatItMayAndOnlyThat() throws Exception {
    String output = ExampleRun.run(RetryExample.class);
    assertThat(output)
        .contains("parse attempt 1 failed: CHILD_PROCESS_KILLED_BY_SIGNAL")
        .contains("idempotent parse: parsed on run 2")
        .contains("payment not retried: EXECUTED CALLABLE_THREW, charged 1 time(s)")
        .doesNotContain("never printed")
        .contains("refused: QUEUE_FULL")
        .contains("payment after the refusals: charged once");
  }

  @Test
  void asyncFanOutGathersEveryOutcome() throws Exception {
    String output = ExampleRun.run(AsyncFanOut.class);
    // 200 calls: every 20th from 7 segfaults (10), every 50th from 13 aborts (4); the rest return.
    assertThat(output)
        .contains("STATUS_UNKNOWN CHILD_PROCESS_KILLED_BY_SIGNAL: 14")
        .contains("returned: 186")
        .contains("the caller JVM is still alive");
  }
}
