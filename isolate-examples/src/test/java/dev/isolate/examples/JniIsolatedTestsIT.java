package dev.isolate.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import dev.isolate.CrashReport;
import dev.isolate.MemIsolateException;
import dev.isolate.Reason;
import dev.isolate.examples.jni.CrashyJni;
import dev.isolate.examples.jni.LibraryPath;
import dev.isolate.junit.IsolatedTestFailure;
import dev.isolate.junit.ProcessIsolated;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.testkit.engine.EngineTestKit;

/**
 * A team's JUnit suite over a JNI library, configured as a team configures it: the test JVM gets
 * {@code -Djava.library.path=target/native} from Failsafe's {@code argLine}, and each {@link
 * ProcessIsolated} test body calls {@link CrashyJni} directly, in a child that loads {@code
 * libcrashy.so} from there. The test JVM itself never loads it.
 */
@Timeout(180)
class JniIsolatedTestsIT {
  private static final long LEAK_BYTES = 64L << 20;

  long testJvmPid;

  /** In the test JVM, before the body is sent: a test without the library forks no child. */
  @BeforeEach
  void requireTheLibrary() {
    JniLibrary.assumeBuilt();
    testJvmPid = ProcessHandle.current().pid();
  }

  @Test
  @ProcessIsolated(timeoutMillis = 30_000)
  void aValueComputedInCComesBackFromTheChild() {
    assertNotEquals(testJvmPid, ProcessHandle.current().pid(), "the body runs in a child");
    assertEquals(333_833_500L, CrashyJni.sumOfSquares(1000));
  }

  @RepeatedTest(3)
  @ProcessIsolated(timeoutMillis = 30_000)
  void eachLeakStaysInItsOwnChild() {
    // Each repetition is a fresh child: nothing leaked before, so the total is this call's alone.
    assertEquals(LEAK_BYTES, CrashyJni.leak(LEAK_BYTES));
  }

  /**
   * A suite with a test that segfaults in C, for the test kit to run: JUnit is told that test
   * failed, and the suite goes on. Not run by Failsafe itself (it skips nested classes).
   */
  @ProcessIsolated(timeoutMillis = 30_000)
  @TestMethodOrder(MethodOrderer.OrderAnnotation.class)
  static class SegfaultingSuite {
    @Test
    @Order(1)
    void segfaultsInC() {
      CrashyJni.segfault();
    }

    @Test
    @Order(2)
    void returnsAValueAfterTheCrash() {
      assertEquals(333_833_500L, CrashyJni.sumOfSquares(1000));
    }
  }

  @Test
  void aSegfaultInCFailsItsOwnTestWithTheCrashFrameInTheLibrary() throws IOException {
    Map<String, TestExecutionResult> results =
        EngineTestKit.engine("junit-jupiter")
            .selectors(selectClass(SegfaultingSuite.class))
            .execute()
            .testEvents()
            .finished()
            .stream()
            .collect(
                Collectors.toMap(
                    event -> event.getTestDescriptor().getDisplayName(),
                    event -> event.getPayload(TestExecutionResult.class).orElseThrow()));
    results.forEach(JniIsolatedTestsIT::print);

    TestExecutionResult crashed = results.get("segfaultsInC()");
    assertThat(crashed).as("what JUnit was told about segfaultsInC()").isNotNull();
    assertThat(crashed.getStatus()).isEqualTo(TestExecutionResult.Status.FAILED);
    Throwable thrown = crashed.getThrowable().orElseThrow();
    Optional<CrashReport> report =
        thrown.getCause() instanceof MemIsolateException e ? e.crashReport() : Optional.empty();
    try {
      assertThat(thrown)
          .isInstanceOf(IsolatedTestFailure.class)
          .hasMessageContaining("STATUS_UNKNOWN CHILD_PROCESS_KILLED_BY_SIGNAL")
          .hasMessageContaining("crash frame C  [" + JniLibrary.FILE_NAME + "+0x");
      MemIsolateException failure = (MemIsolateException) thrown.getCause();
      assertThat(failure.reason()).isEqualTo(Reason.CHILD_PROCESS_KILLED_BY_SIGNAL);
      assertThat(report.flatMap(CrashReport::fatalSignal)).hasValue("SIGSEGV");
      assertThat(report.flatMap(CrashReport::problematicFrame))
          .hasValueSatisfying(
              frame ->
                  assertThat(frame)
                      .contains("[" + JniLibrary.FILE_NAME + "+0x")
                      .contains("Java_dev_isolate_examples_jni_CrashyJni_segfault"));
      assertThat(results.get("returnsAValueAfterTheCrash()").getStatus())
          .isEqualTo(TestExecutionResult.Status.SUCCESSFUL);
    } finally {
      // The isolator of the test kit's run is closed: its kept crash report is ours to remove.
      Optional<Path> hsErr = report.flatMap(CrashReport::hsErrFile);
      if (hsErr.isPresent()) {
        JniLibrary.deleteCrashReport(hsErr.get());
      }
    }
  }

  /** Every body above ran in a child: the library was loaded there, and never here. */
  @AfterAll
  static void theTestJvmNeverLoadedTheLibrary() {
    assertFalse(
        LibraryPath.isLoadedHere(CrashyJni.LIBRARY),
        JniLibrary.FILE_NAME + " is mapped into the test JVM");
  }

  private static void print(String test, TestExecutionResult result) {
    String line = test + " -> " + result.getStatus();
    if (result.getThrowable().isPresent()) {
      Throwable thrown = result.getThrowable().get();
      line +=
          " "
              + thrown.getClass().getName()
              + ": "
              + String.valueOf(thrown.getMessage()).lines().findFirst().orElse("");
    }
    System.out.println(line);
  }
}
