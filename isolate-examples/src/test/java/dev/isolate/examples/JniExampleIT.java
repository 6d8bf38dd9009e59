package dev.isolate.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Runs {@link JniExample} as its command runs it, with {@code -Djava.library.path} on the example's
 * JVM only, and checks that the value, the segfault and the leak of {@code libcrashy.so} each
 * stayed in a child.
 */
@Timeout(180)
class JniExampleIT {
  private static final Pattern HS_ERR =
      Pattern.compile("hs_err file\\s+(\\S+hs_err_pid\\d+\\.log)");

  @Test
  void aJniValueCrashAndLeakEachStayInTheirChildAndTheCallerNeverLoadsTheLibrary()
      throws Exception {
    JniLibrary.assumeBuilt();
    // Failsafe's argLine set this JVM's java.library.path: the example's JVM gets the same.
    String output =
        ExampleRun.run(
            JniExample.class,
            List.of("-Djava.library.path=" + System.getProperty("java.library.path")));
    try {
      assertThat(output)
          .containsPattern("in a child\\s+333833500")
          .containsPattern("reason\\s+CHILD_PROCESS_KILLED_BY_SIGNAL")
          .containsPattern("original signal\\s+SIGSEGV")
          .containsPattern(
              "problematic frame\\s+C\\s+\\[libcrashy\\.so\\+0x\\p{XDigit}+\\]"
                  + "\\s+Java_dev_isolate_examples_jni_CrashyJni_segfault")
          .containsPattern("the next call\\s+333833500")
          .contains("leak 4/4           the child has leaked 256 MiB in all")
          .contains("each leak ended with its child")
          .contains("libcrashy.so was never loaded into it")
          .doesNotContain("UNEXPECTED");
    } finally {
      Matcher hsErr = HS_ERR.matcher(output);
      if (hsErr.find()) {
        JniLibrary.deleteCrashReport(Path.of(hsErr.group(1)));
      }
    }
  }
}
