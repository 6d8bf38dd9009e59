package dev.isolate.junit;

import static dev.isolate.junit.SampleRuns.passed;
import static dev.isolate.junit.SampleRuns.results;
import static dev.isolate.junit.SampleRuns.thrown;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import jnr.ffi.LibraryLoader;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.platform.engine.TestExecutionResult;
import org.opentest4j.AssertionFailedError;

/**
 * Runs sample test classes through the real Jupiter engine with the JUnit Platform's test kit and
 * checks what JUnit was told about each test. The samples are static nested classes: Failsafe does
 * not run those by itself.
 */
@EnabledOnOs(OS.LINUX)
@Timeout(180)
class IsolatedExtensionIT {

  /** A few libc functions, for real native crashes. */
  public interface LibC {
    long strlen(long address);

    void abort();
  }

  static final LibC LIBC = LibraryLoader.create(LibC.class).load("c");

  /** One test per outcome a user can meet. */
  @ProcessIsolated(timeoutMillis = 3000)
  static class Outcomes {
    @Test
    void passes() {
      Assertions.assertEquals(4, 2 + 2);
    }

    @Test
    void failsAnAssertion() {
      Assertions.assertEquals(3, 1 + 1, "arithmetic");
    }

    @Test
    void failsAnAssertJAssertion() {
      org.assertj.core.api.Assertions.assertThat(1 + 1).as("sum").isEqualTo(3);
    }

    @Test
    void throwsAnException() {
      throw new IllegalStateException("broken in the child");
    }

    @Test
    void segfaults() {
      LIBC.strlen(1);
    }

    @Test
    void aborts() {
      LIBC.abort();
    }

    @Test
    void callsSystemExit() {
      System.exit(3);
    }

    @Test
    void hangs() throws InterruptedException {
      Thread.sleep(600_000);
    }
  }

  @Test
  void eachOutcomeIsReportedAsWhatItIsAndTheSuiteGoesOn() {
    Map<String, TestExecutionResult> results = results(Outcomes.class);

    assertThat(results).hasSize(8);
    assertThat(results.get("passes()").getStatus())
        .isEqualTo(TestExecutionResult.Status.SUCCESSFUL);
    assertThat(thrown(results, "failsAnAssertion()"))
        .isInstanceOf(AssertionFailedError.class)
        .hasMessage("arithmetic ==> expected: <3> but was: <2>");
    // AssertJ throws opentest4j's error when opentest4j is there, as under JUnit 5 and 6.
    assertThat(thrown(results, "failsAnAssertJAssertion()"))
        .isInstanceOf(AssertionFailedError.class)
        .hasMessageContaining("[sum]")
        .hasMessageContaining("expected: 3");
    Throwable threw = thrown(results, "throwsAnException()");
    assertThat(threw).isInstanceOf(IllegalStateException.class).hasMessage("broken in the child");
    assertThat(threw.getStackTrace())
        .anyMatch(frame -> frame.getMethodName().equals("throwsAnException"));
    assertThat(thrown(results, "segfaults()"))
        .isInstanceOf(IsolatedTestFailure.class)
        .hasMessageContaining("STATUS_UNKNOWN CHILD_PROCESS_KILLED_BY_SIGNAL")
        .hasMessageContaining("signal 6")
        .hasMessageContaining("crash frame")
        .hasMessageContaining("SIGSEGV");
    assertThat(thrown(results, "aborts()"))
        .isInstanceOf(IsolatedTestFailure.class)
        .hasMessageContaining("CHILD_PROCESS_KILLED_BY_SIGNAL")
        .hasMessageContaining("signal 6");
    assertThat(thrown(results, "callsSystemExit()"))
        .isInstanceOf(IsolatedTestFailure.class)
        .hasMessageContaining("UNEXPECTED_CHILD_EXIT_STATUS")
        .hasMessageContaining("exit status 3");
    assertThat(thrown(results, "hangs()"))
        .isInstanceOf(IsolatedTestFailure.class)
        .hasMessageContaining("STATUS_UNKNOWN TIMED_OUT")
        .hasMessageContaining("timeout of 3000 ms");
  }

  /** A test instance that cannot be copied: a Thread's fields are closed to reflection. */
  @ProcessIsolated
  static class Uncopyable {
    Thread owner = Thread.currentThread();
    transient Thread skipped = Thread.currentThread();

    @Test
    void neverRuns() {
      Assertions.fail("must not run");
    }
  }

  @Test
  void aTestInstanceThatCannotBeCopiedSaysWhichAndWhatToDo() {
    Throwable thrown = thrown(results(Uncopyable.class), "neverRuns()");
    assertThat(thrown)
        .isInstanceOf(IsolatedTestFailure.class)
        .hasMessageContaining("did not run")
        .hasMessageContaining(Uncopyable.class.getName())
        .hasMessageContaining("transient");
  }

  /** What ran where, seen from the test JVM. */
  static final List<String> LIFECYCLE = new CopyOnWriteArrayList<>();

  /** Lifecycle methods around an isolated body, and a parameterized test. */
  @ProcessIsolated
  static class Lifecycle {
    static int bodiesRunHere;
    long testJvmPid;
    String preparedByBeforeEach;
    @TempDir Path directory;

    @BeforeEach
    void prepare() {
      testJvmPid = ProcessHandle.current().pid();
      preparedByBeforeEach = "prepared";
      LIFECYCLE.add("before in " + ProcessHandle.current().pid());
    }

    @Test
    void seesWhatBeforeEachPrepared() throws Exception {
      Files.writeString(directory.resolve("from-the-child"), "written");
      Assertions.assertEquals("prepared", preparedByBeforeEach);
      Assertions.assertNotEquals(
          testJvmPid, ProcessHandle.current().pid(), "the body runs in another process");
      bodiesRunHere++;
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3})
    void getsItsArguments(int n) throws Exception {
      // Each run leaves its own argument behind, with the pid that saw it.
      Files.writeString(
          directory.resolve("argument-" + n), Long.toString(ProcessHandle.current().pid()));
      bodiesRunHere++;
    }

    private static String readQuietly(Path file) {
      try {
        return Files.readString(file);
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }

    @AfterEach
    void cleanUp() {
      LIFECYCLE.add(
          "after in " + ProcessHandle.current().pid() + ", bodies run here: " + bodiesRunHere);
      if (Files.exists(directory.resolve("from-the-child"))) {
        LIFECYCLE.add("the child wrote into the @TempDir");
      }
      for (int n = 1; n <= 3; n++) {
        Path argument = directory.resolve("argument-" + n);
        if (Files.exists(argument)) {
          long pid = Long.parseLong(readQuietly(argument));
          LIFECYCLE.add(
              "argument " + n + (pid == testJvmPid ? " in the test JVM" : " in another process"));
        }
      }
    }
  }

  @Test
  void beforeAndAfterEachRunInTheTestJvmAndTheBodyInTheChild() {
    LIFECYCLE.clear();
    Map<String, TestExecutionResult> results = results(Lifecycle.class);

    assertThat(results.values())
        .hasSize(4)
        .allMatch(result -> result.getStatus() == TestExecutionResult.Status.SUCCESSFUL);
    long here = ProcessHandle.current().pid();
    assertThat(LIFECYCLE)
        .hasSize(12)
        .contains("the child wrote into the @TempDir")
        .contains(
            "argument 1 in another process",
            "argument 2 in another process",
            "argument 3 in another process");
    assertThat(LIFECYCLE.stream().filter(line -> line.startsWith("before")))
        .hasSize(4)
        .allMatch(line -> line.equals("before in " + here));
    // The bodies' changes to static state stayed in their children.
    assertThat(LIFECYCLE.stream().filter(line -> line.startsWith("after")))
        .hasSize(4)
        .allMatch(line -> line.equals("after in " + here + ", bodies run here: 0"));
  }

  /** The deprecated alias, as existing suites use it: still a child, still its timeout. */
  @SuppressWarnings("deprecation") // The alias is what is under test.
  @Isolated(timeoutMillis = 1500)
  static class UnderTheDeprecatedAlias {
    long testJvmPid;

    @BeforeEach
    void remember() {
      testJvmPid = ProcessHandle.current().pid();
    }

    @Test
    void runsInAChild() {
      Assertions.assertNotEquals(testJvmPid, ProcessHandle.current().pid());
    }

    @Test
    void hangs() throws InterruptedException {
      Thread.sleep(600_000);
    }
  }

  @Test
  void theDeprecatedAliasStillIsolates() {
    Map<String, TestExecutionResult> results = results(UnderTheDeprecatedAlias.class);

    assertThat(results).hasSize(2);
    passed(results, "runsInAChild()");
    assertThat(thrown(results, "hangs()"))
        .isInstanceOf(IsolatedTestFailure.class)
        .hasMessageContaining("TIMED_OUT")
        .hasMessageContaining("timeout of 1500 ms");
  }
}
