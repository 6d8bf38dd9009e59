package dev.isolate.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.isolate.junit.ProcessIsolated;
import org.junit.jupiter.api.Test;

/**
 * A CI suite over a crashy, leaky native library, as a harness would write it: each test's body
 * runs in a forked child ({@link ProcessIsolated}), so the crashes fail their tests and the JVM
 * running the suite goes on. {@link CiHarness} runs it.
 */
@ProcessIsolated(timeoutMillis = 2000)
public class CrashyLibraryTests {
  // Touching a gibibyte takes seconds on a small VM: this test has a timeout of its own.
  @Test
  @ProcessIsolated(timeoutMillis = 30_000)
  void leaksAGibibyteAndPasses() {
    long address = CrashyNativeLibrary.leak(1L << 30);
    assertTrue(address != 0);
  }

  @Test
  void segfaultsInNativeCode() {
    CrashyNativeLibrary.segfault();
  }

  @Test
  void abortsInNativeCode() {
    CrashyNativeLibrary.abort();
  }

  @Test
  void hangsInNativeCode() {
    CrashyNativeLibrary.pause();
  }

  @Test
  void failsAnAssertion() {
    assertEquals(42, 6 * 9, "the answer");
  }

  @Test
  void passes() {
    assertEquals(42, 6 * 7);
  }
}
