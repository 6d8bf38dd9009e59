package dev.isolate.junit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import java.util.Map;
import java.util.stream.Collectors;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.testkit.engine.EngineTestKit;

/** Runs sample test classes through the real Jupiter engine and collects what JUnit was told. */
final class SampleRuns {
  private SampleRuns() {}

  /** Each finished test of {@code samples} (nested classes included), by display name. */
  static Map<String, TestExecutionResult> results(Class<?> samples) {
    return EngineTestKit.engine("junit-jupiter")
        .selectors(selectClass(samples))
        .execute()
        .testEvents()
        .finished()
        .stream()
        .collect(
            Collectors.toMap(
                event -> event.getTestDescriptor().getDisplayName(),
                event -> event.getPayload(TestExecutionResult.class).orElseThrow(),
                (a, b) -> a));
  }

  /** The failure of {@code test}, which must have failed; its first line is printed. */
  static Throwable thrown(Map<String, TestExecutionResult> results, String test) {
    TestExecutionResult result = results.get(test);
    assertThat(result).as(test).isNotNull();
    assertThat(result.getStatus()).as(test).isEqualTo(TestExecutionResult.Status.FAILED);
    Throwable throwable = result.getThrowable().orElseThrow();
    System.out.println(
        test
            + " -> "
            + throwable.getClass().getName()
            + ": "
            + String.valueOf(throwable.getMessage()).lines().findFirst().orElse(""));
    return throwable;
  }

  /** Asserts that {@code test} passed. */
  static void passed(Map<String, TestExecutionResult> results, String test) {
    TestExecutionResult result = results.get(test);
    assertThat(result).as(test).isNotNull();
    assertThat(result.getStatus())
        .as(test + ": " + result.getThrowable().map(Throwable::toString).orElse(""))
        .isEqualTo(TestExecutionResult.Status.SUCCESSFUL);
  }
}
