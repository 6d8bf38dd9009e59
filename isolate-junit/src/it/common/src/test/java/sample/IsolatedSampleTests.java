package sample;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import dev.isolate.junit.ProcessIsolated;
import java.io.Serializable;
import java.util.stream.Stream;
import jnr.ffi.LibraryLoader;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What a user's suite does with the extension. Three of these tests fail on purpose; verify.groovy
 * knows which, and how.
 */
@ProcessIsolated(timeoutMillis = 30_000)
class IsolatedSampleTests {
  /** libc, for a real segfault. */
  public interface LibC {
    long strlen(long address);
  }

  static final LibC LIBC = LibraryLoader.create(LibC.class).load("c");

  long testJvmPid;

  @BeforeEach
  void remember() {
    testJvmPid = ProcessHandle.current().pid();
  }

  @Test
  void passesInAChild() {
    assertNotEquals(testJvmPid, ProcessHandle.current().pid(), "ran in the test JVM");
  }

  @Test
  void failsAnAssertion() {
    assertEquals(42, 6 * 9, "the answer");
  }

  @Test
  void segfaultsInNativeCode() {
    LIBC.strlen(1);
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 2, 3})
  void getsItsArgument(int n) {
    assertNotEquals(testJvmPid, ProcessHandle.current().pid(), "ran in the test JVM");
    assertEquals(n, Integer.parseInt(Integer.toString(n)));
  }

  @Test
  @ProcessIsolated(timeoutMillis = 30_000, jvmOptions = "-Dsample.flag=from-the-annotation")
  void seesItsJvmOption() {
    assertEquals("from-the-annotation", System.getProperty("sample.flag"));
  }

  @TestFactory
  Stream<DynamicTest> dynamicTests() {
    long here = ProcessHandle.current().pid();
    return Stream.of(
        dynamicTest(
            "serializableDynamicTest",
            (Executable & Serializable)
                () -> assertNotEquals(here, ProcessHandle.current().pid(), "ran in the test JVM")),
        // Cannot travel: it must fail saying so, and never run here (it would fail differently).
        dynamicTest(
            "plainLambdaDynamicTest",
            () -> assertNotEquals(here, ProcessHandle.current().pid(), "ran in the test JVM")));
  }

  @Nested
  class NestedSampleTests {
    @Test
    void inheritsTheIsolation() {
      assertNotEquals(testJvmPid, ProcessHandle.current().pid(), "ran in the test JVM");
    }
  }
}
