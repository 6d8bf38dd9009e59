package dev.isolate.internal.host;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The worker image's argument file quotes what the JDK launcher would otherwise split or eat. */
class WorkerLaunchTest {
  @Test
  void everyOptionIsOneQuotedLineWithTheLaunchersEscapes() {
    String file =
        WorkerLaunch.argumentFile(
            List.of(
                "-Dplain=x", "-Dspaced=a b", "-Dquoted=say \"hi\"", "-Dpath=C:\\dir", "-Dnl=1\n2"));
    assertThat(file)
        .isEqualTo(
            "\"-Dplain=x\"\n"
                + "\"-Dspaced=a b\"\n"
                + "\"-Dquoted=say \\\"hi\\\"\"\n"
                + "\"-Dpath=C:\\\\dir\"\n"
                + "\"-Dnl=1\\n2\"\n");
  }
}
