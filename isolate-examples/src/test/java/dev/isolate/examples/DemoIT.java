package dev.isolate.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Runs {@link Demo} end to end and checks that every step behaved as it says. */
@Timeout(120)
class DemoIT {
  private static final Pattern HS_ERR =
      Pattern.compile("hs_err file\\s+(\\S+hs_err_pid\\d+\\.log)");

  @Test
  void demoSurvivesEveryFailureAndExitsWithZero() throws Exception {
    String output = ExampleRun.run(Demo.class);
    try {
      assertThat(output)
          .contains("6 * 7 in a child   42")
          .containsPattern("waitpid signal\\s+SIGABRT=6")
          .containsPattern("original signal\\s+SIGSEGV")
          .containsPattern("caller RSS after")
          .containsPattern("reason\\s+TIMED_OUT")
          .contains("still alive")
          .doesNotContain("UNEXPECTED");
    } finally {
      deleteCrashReport(output);
    }
  }

  /** The demo keeps its hs_err file for the reader to open; a test run leaves nothing behind. */
  private static void deleteCrashReport(String output) throws IOException {
    Matcher hsErr = HS_ERR.matcher(output);
    if (hsErr.find()) {
      Path file = Path.of(hsErr.group(1));
      Files.deleteIfExists(file);
      try {
        Files.deleteIfExists(file.getParent());
      } catch (IOException notEmpty) {
        // Other crash reports are not this test's to remove.
      }
    }
  }
}
