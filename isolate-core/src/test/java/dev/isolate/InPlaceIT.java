package dev.isolate;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

/**
 * The common pattern, a {@code static final Isolator} in the very class whose lambdas are isolated,
 * costs no JVM per child: the field's initializer runs again in every child, where building an
 * isolator launches nothing and its calls run in place.
 */
@EnabledOnOs(OS.LINUX)
@Timeout(120)
class InPlaceIT {
  /** Initialized in the test JVM, and again in each child that reads a lambda of this class. */
  static final Isolator ISOLATOR = Isolator.builder().forwardChildOutput(false).build();

  /** Directories isolators have made in the temporary directory. */
  private static long isolatorDirectories() throws IOException {
    long count = 0;
    try (DirectoryStream<Path> dirs =
        Files.newDirectoryStream(Path.of(System.getProperty("java.io.tmpdir")), "isolate-*")) {
      for (Path ignored : dirs) {
        count++;
      }
    }
    return count;
  }

  @Test
  void aStaticIsolatorInTheCapturingClassRunsItsNestedCallsInPlace() throws Exception {
    assertThat(ISOLATOR.execute(() -> 1)).isEqualTo(1);
    long directoriesBefore = isolatorDirectories();
    int launchedBefore = ISOLATOR.workersLaunched();
    for (int i = 0; i < 20; i++) {
      String where =
          ISOLATOR.execute(
              () -> {
                long child = ProcessHandle.current().pid();
                // ISOLATOR here is the child's own, built by the class's initializer in the child.
                long nested = ISOLATOR.execute(() -> ProcessHandle.current().pid());
                long descendants = ProcessHandle.current().descendants().count();
                return child + " " + nested + " " + descendants;
              });
      String[] pids = where.split(" ");
      assertThat(pids[1]).as("the nested call ran in the child itself").isEqualTo(pids[0]);
      assertThat(pids[2]).as("no JVM was started by the child").isEqualTo("0");
    }
    assertThat(ISOLATOR.workersLaunched()).isEqualTo(launchedBefore);
    assertThat(isolatorDirectories()).isEqualTo(directoriesBefore);
  }

  @Test
  void aThrowInPlaceFailsTheNestedCallAsItWouldFromAChild() throws Exception {
    String seen =
        ISOLATOR.execute(
            () -> {
              try {
                ISOLATOR.execute(
                    () -> {
                      throw new IllegalStateException("nested");
                    });
                return "returned";
              } catch (CallableExecutedException e) {
                return e.reason() + " " + e.getCause().getMessage();
              }
            });
    assertThat(seen).isEqualTo("CALLABLE_THREW nested");
  }
}
