package dev.isolate.junit;

import static dev.isolate.junit.SampleRuns.passed;
import static dev.isolate.junit.SampleRuns.results;
import static dev.isolate.junit.SampleRuns.thrown;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.DynamicContainer.dynamicContainer;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import java.io.Serializable;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.function.Executable;
import org.junit.platform.engine.TestExecutionResult;
import org.opentest4j.AssertionFailedError;

/**
 * {@code Nested} classes, dynamic tests, {@link ProcessIsolated#jvmOptions}, the nearest annotation
 * winning, and the run's isolators being closed at its end: real worker images, real forks, through
 * the real Jupiter engine.
 */
@EnabledOnOs(OS.LINUX)
@Timeout(180)
class ProcessIsolatedFeaturesIT {

  /** The outer class's annotation covers its nested classes; the nearest one wins. */
  @ProcessIsolated(timeoutMillis = 20_000)
  static class NestedSamples {
    long testJvmPid;
    String preparedByTheOuterClass;

    @BeforeEach
    void prepareOuter() {
      testJvmPid = ProcessHandle.current().pid();
      preparedByTheOuterClass = "outer";
    }

    @Nested
    class Inner {
      String preparedByTheInnerClass;

      @BeforeEach
      void prepareInner() {
        preparedByTheInnerClass = "inner";
      }

      @Test
      void runsInAChildWithItsEnclosingInstance() {
        Assertions.assertNotEquals(testJvmPid, ProcessHandle.current().pid());
        Assertions.assertEquals("outer", preparedByTheOuterClass);
        Assertions.assertEquals("inner", preparedByTheInnerClass);
      }

      @Nested
      @ProcessIsolated(timeoutMillis = 1000)
      class Deeper {
        @Test
        void seesEveryLevel() {
          Assertions.assertNotEquals(testJvmPid, ProcessHandle.current().pid());
          Assertions.assertEquals("outer", preparedByTheOuterClass);
          Assertions.assertEquals("inner", preparedByTheInnerClass);
        }

        @Test
        void hasItsOwnTimeout() throws InterruptedException {
          Thread.sleep(600_000);
        }
      }
    }
  }

  @Test
  void nestedClassesInheritTheIsolationOfTheirEnclosingClass() {
    Map<String, TestExecutionResult> results = results(NestedSamples.class);

    assertThat(results).hasSize(3);
    passed(results, "runsInAChildWithItsEnclosingInstance()");
    passed(results, "seesEveryLevel()");
    assertThat(thrown(results, "hasItsOwnTimeout()"))
        .isInstanceOf(IsolatedTestFailure.class)
        .hasMessageContaining("STATUS_UNKNOWN TIMED_OUT")
        .hasMessageContaining("timeout of 1000 ms");
  }

  /** Dynamic tests that ran in the test JVM, which none may. */
  static final List<String> RAN_IN_THE_TEST_JVM = new CopyOnWriteArrayList<>();

  /** Dynamic tests of every kind: copyable or not, passing, failing, crashing, in a container. */
  @ProcessIsolated(timeoutMillis = 20_000)
  static class DynamicSamples {
    String preparedByBeforeEach;

    @BeforeEach
    void prepare() {
      preparedByBeforeEach = "prepared";
    }

    static void recordRun() {
      RAN_IN_THE_TEST_JVM.add("a method reference");
    }

    @TestFactory
    Stream<DynamicNode> tests() {
      long testJvmPid = ProcessHandle.current().pid();
      // A Thread's fields are closed to reflection: Kryo cannot copy one.
      Thread thisThread = Thread.currentThread();
      return Stream.of(
          dynamicTest(
              "serializable",
              (Executable & Serializable)
                  () -> {
                    Assertions.assertNotEquals(testJvmPid, ProcessHandle.current().pid());
                    Assertions.assertEquals("prepared", preparedByBeforeEach);
                  }),
          dynamicTest(
              "failsInItsChild",
              (Executable & Serializable) () -> Assertions.assertEquals(3, 1 + 1, "arithmetic")),
          dynamicTest("plainLambda", () -> RAN_IN_THE_TEST_JVM.add("a plain lambda")),
          dynamicTest(
              "capturesWhatCannotBeCopied",
              (Executable & Serializable) () -> RAN_IN_THE_TEST_JVM.add(thisThread.getName())),
          dynamicTest("methodReference", DynamicSamples::recordRun),
          dynamicContainer(
              "container",
              Stream.of(
                  dynamicTest(
                      "abortsInAContainer",
                      (Executable & Serializable) () -> IsolatedExtensionIT.LIBC.abort()))));
    }

    @TestFactory
    Stream<DynamicTest> madeByJUnit() {
      return DynamicTest.stream(
          Stream.of("a"), input -> "streamed " + input, input -> RAN_IN_THE_TEST_JVM.add(input));
    }
  }

  @Test
  void dynamicTestsRunInAChildOrFailSayingWhy() {
    RAN_IN_THE_TEST_JVM.clear();
    Map<String, TestExecutionResult> results = results(DynamicSamples.class);

    assertThat(results).hasSize(7);
    passed(results, "serializable");
    assertThat(thrown(results, "failsInItsChild"))
        .isInstanceOf(AssertionFailedError.class)
        .hasMessage("arithmetic ==> expected: <3> but was: <2>");
    assertThat(thrown(results, "plainLambda"))
        .isInstanceOf(IsolatedTestFailure.class)
        .hasMessageContaining("isolated dynamic test 'plainLambda' did not run")
        .hasMessageContaining("(Executable & Serializable) () -> ...")
        .cause()
        .isInstanceOf(dev.isolate.MemIsolateException.class);
    assertThat(thrown(results, "capturesWhatCannotBeCopied"))
        .isInstanceOf(IsolatedTestFailure.class)
        .hasMessageContaining("(a lambda in " + DynamicSamples.class.getName() + ")")
        .hasMessageContaining("or what it captures could not be copied to the child with Kryo")
        .hasMessageContaining("java.lang.Thread");
    assertThat(thrown(results, "methodReference"))
        .isInstanceOf(IsolatedTestFailure.class)
        .hasMessageContaining("(Executable & Serializable)");
    assertThat(thrown(results, "streamed a"))
        .isInstanceOf(IsolatedTestFailure.class)
        .hasMessageContaining("made by JUnit");
    assertThat(thrown(results, "abortsInAContainer"))
        .isInstanceOf(IsolatedTestFailure.class)
        .hasMessageContaining("isolated dynamic test 'abortsInAContainer' did not finish")
        .hasMessageContaining("CHILD_PROCESS_KILLED_BY_SIGNAL")
        .hasMessageContaining("signal 6");
    assertThat(RAN_IN_THE_TEST_JVM).isEmpty();
  }

  /** The extension registered by hand: no annotation, no guess. */
  @ExtendWith(ProcessIsolatedExtension.class)
  static class RegisteredByHand {
    @Test
    void hasNoAnnotation() {
      RAN_IN_THE_TEST_JVM.add("a test without the annotation");
    }

    @TestFactory
    @ProcessIsolated(timeoutMillis = 20_000)
    Stream<DynamicTest> annotatedFactory() {
      long testJvmPid = ProcessHandle.current().pid();
      return Stream.of(
          dynamicTest(
              "isolatedByItsFactory",
              (Executable & Serializable)
                  () -> Assertions.assertNotEquals(testJvmPid, ProcessHandle.current().pid())));
    }
  }

  @Test
  void anAnnotationIsRequiredAndAFactoryMayCarryIt() {
    RAN_IN_THE_TEST_JVM.clear();
    Map<String, TestExecutionResult> results = results(RegisteredByHand.class);

    assertThat(results).hasSize(2);
    assertThat(thrown(results, "hasNoAnnotation()"))
        .isInstanceOf(ExtensionConfigurationException.class)
        .hasMessageContaining("annotated @ProcessIsolated");
    passed(results, "isolatedByItsFactory");
    assertThat(RAN_IN_THE_TEST_JVM).isEmpty();
  }

  static final String PROPERTY = "isolate.junit.sample";

  /** Method-level annotations only; one isolator per distinct heap and options. */
  static class OptionsSamples {
    @Test
    @ProcessIsolated(jvmOptions = "-D" + PROPERTY + "=from-the-annotation")
    void seesItsJvmOption() {
      Assertions.assertEquals("from-the-annotation", System.getProperty(PROPERTY));
    }

    @Test
    @ProcessIsolated
    void anotherIsolatorDoesNotSeeIt() {
      Assertions.assertNull(System.getProperty(PROPERTY));
    }

    @Test
    @ProcessIsolated(maxHeapMebibytes = 64, jvmOptions = "-D" + PROPERTY + "=with-a-small-heap")
    void heapAndOptionsTogether() {
      Assertions.assertEquals("with-a-small-heap", System.getProperty(PROPERTY));
      Assertions.assertTrue(Runtime.getRuntime().maxMemory() < 512L << 20);
    }

    @Test
    @ProcessIsolated(jvmOptions = "-XX:+UseG1GC")
    void asksForARefusedOption() {}
  }

  @Test
  void jvmOptionsReachTheChildOfThatTestOnly() {
    assertThat(System.getProperty(PROPERTY)).as("set in the test JVM").isNull();
    Map<String, TestExecutionResult> results = results(OptionsSamples.class);

    assertThat(results).hasSize(4);
    passed(results, "seesItsJvmOption()");
    passed(results, "anotherIsolatorDoesNotSeeIt()");
    passed(results, "heapAndOptionsTogether()");
    assertThat(thrown(results, "asksForARefusedOption()"))
        .isInstanceOf(ExtensionConfigurationException.class)
        .hasMessageContaining("asksForARefusedOption")
        .hasMessageContaining("UseG1GC");
  }

  /** A test of hostile input: no network, no programs, writes only under {@code target}. */
  @ProcessIsolated(
      denyNetwork = true,
      denyExec = true,
      readOnlyFileSystem = true,
      writablePaths = "target")
  static class SandboxSamples {
    @Test
    void cannotStartAProgram() {
      Assertions.assertThrows(
          java.io.IOException.class, () -> new ProcessBuilder("true").start().waitFor());
    }

    @Test
    void cannotConnect() {
      Assertions.assertThrows(
          java.io.IOException.class,
          () -> new java.net.Socket(java.net.InetAddress.getLoopbackAddress(), 9).close());
    }

    @Test
    void writesUnderTargetButNotBesideIt() throws Exception {
      java.nio.file.Files.writeString(java.nio.file.Path.of("target", "sandbox-sample.txt"), "ok");
      Assertions.assertThrows(
          java.nio.file.AccessDeniedException.class,
          () -> java.nio.file.Files.writeString(java.nio.file.Path.of("sandbox-sample.txt"), "x"));
    }
  }

  /** The same test without a sandbox, beside it in the run: its program starts. */
  @ProcessIsolated
  static class OpenSamples {
    @Test
    void startsAProgram() throws Exception {
      Assertions.assertEquals(0, new ProcessBuilder("true").start().waitFor());
    }
  }

  @ProcessIsolated(writablePaths = "target")
  static class WritablePathsAloneSamples {
    @Test
    void runs() {}
  }

  @Test
  void theSandboxSettingsPutTheChildInASandboxOfItsOwnIsolator() {
    Map<String, TestExecutionResult> sandboxed = results(SandboxSamples.class);
    Map<String, TestExecutionResult> open = results(OpenSamples.class);

    assertThat(sandboxed).hasSize(3);
    passed(sandboxed, "cannotStartAProgram()");
    passed(sandboxed, "cannotConnect()");
    passed(sandboxed, "writesUnderTargetButNotBesideIt()");
    passed(open, "startsAProgram()");
    assertThat(java.nio.file.Path.of("sandbox-sample.txt")).doesNotExist();
    assertThat(thrown(results(WritablePathsAloneSamples.class), "runs()"))
        .isInstanceOf(ExtensionConfigurationException.class)
        .hasMessageContaining("writablePaths without readOnlyFileSystem");
  }

  /** Worker images (children of this JVM) seen while the samples ran. */
  static final Set<Long> WORKERS_SEEN = ConcurrentHashMap.newKeySet();

  /** A class-level annotation, overridden by a method's; two isolators in one run. */
  @ProcessIsolated(timeoutMillis = 1000)
  static class OverrideSamples {
    @AfterEach
    void recordWorkers() {
      ProcessHandle.current().children().forEach(child -> WORKERS_SEEN.add(child.pid()));
    }

    @Test
    void takesTheClassTimeout() throws InterruptedException {
      Thread.sleep(600_000);
    }

    @Test
    @ProcessIsolated(timeoutMillis = 30_000, maxHeapMebibytes = 128)
    void takesItsOwnAnnotationWhole() throws InterruptedException {
      Thread.sleep(1500);
      Assertions.assertTrue(Runtime.getRuntime().maxMemory() < 512L << 20);
    }
  }

  @Test
  void theMethodAnnotationWinsAndTheRunClosesItsIsolators() throws Exception {
    WORKERS_SEEN.clear();
    Map<String, TestExecutionResult> results = results(OverrideSamples.class);

    assertThat(results).hasSize(2);
    assertThat(thrown(results, "takesTheClassTimeout()"))
        .isInstanceOf(IsolatedTestFailure.class)
        .hasMessageContaining("timeout of 1000 ms");
    passed(results, "takesItsOwnAnnotationWhole()");
    // Two settings, two worker images; the end of the run closed both.
    assertThat(WORKERS_SEEN).hasSizeGreaterThanOrEqualTo(2);
    for (long pid : WORKERS_SEEN) {
      Optional<ProcessHandle> worker = ProcessHandle.of(pid);
      if (worker.isPresent()) {
        try {
          worker.get().onExit().get(10, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
          Assertions.fail("worker image " + pid + " outlived the test run by 10 s");
        }
      }
    }
  }
}
