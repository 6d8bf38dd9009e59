package sample;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.TestPlan;

/**
 * Notes the worker images (children of the test JVM) alive after each test, and, once the run has
 * ended (after Jupiter closed its root store), how many of them are still alive. verify.groovy
 * reads the report: the run-wide isolators must have been closed, on every JUnit version.
 */
public class WorkerWatch implements TestExecutionListener {
  private final Set<Long> seen = ConcurrentHashMap.newKeySet();

  @Override
  public void executionFinished(TestIdentifier test, TestExecutionResult result) {
    ProcessHandle.current().children().forEach(child -> seen.add(child.pid()));
  }

  @Override
  public void testPlanExecutionFinished(TestPlan plan) {
    int alive = 0;
    for (long pid : seen) {
      ProcessHandle handle = ProcessHandle.of(pid).orElse(null);
      if (handle != null) {
        try {
          handle.onExit().get(10, TimeUnit.SECONDS);
        } catch (TimeoutException | ExecutionException e) {
          alive++;
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          alive++;
        }
      }
    }
    String report = "seen=" + seen.size() + "\nalive=" + alive + "\n";
    try {
      Files.writeString(Path.of(System.getProperty("sample.workerReport")), report);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
