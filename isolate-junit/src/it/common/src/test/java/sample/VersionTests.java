package sample;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** Not isolated: the tests run on this project's JUnit, not on one that isolate-junit brought. */
class VersionTests {
  @Test
  void runsOnThisProjectsJUnit() throws ClassNotFoundException {
    String expected = System.getProperty("sample.expectedJUnitVersion");
    assertEquals(expected, Test.class.getPackage().getImplementationVersion(), "jupiter-api");
    assertEquals(
        expected,
        Class.forName("org.junit.jupiter.engine.JupiterTestEngine")
            .getPackage()
            .getImplementationVersion(),
        "jupiter-engine");
  }
}
