package dev.isolate;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

/**
 * A child that floods its caller, with a value or an endless line, costs the caller a bounded heap:
 * measured in a caller JVM of 256 MiB, the size at which a flood used to kill the isolator.
 */
@EnabledOnOs(OS.LINUX)
@Timeout(180)
class FloodIT {

  @Test
  void aFloodingChildIsEndedAndTheCallerHoldsAtMostAboutTheBound() throws Exception {
    Process caller =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m",
                "-cp",
                System.getProperty("java.class.path"),
                FloodingCaller.class.getName())
            .redirectErrorStream(true)
            .start();
    List<String> lines = new ArrayList<>();
    long forwardedBytes = 0;
    try (BufferedReader out =
        new BufferedReader(
            new InputStreamReader(caller.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = out.readLine()) != null) {
        forwardedBytes += line.length();
        if (line.length() < 2000) {
          lines.add(line);
        }
      }
    }
    assertThat(caller.waitFor(60, TimeUnit.SECONDS)).isTrue();
    String report = String.join("\n", lines);
    assertThat(caller.exitValue()).as(report).isZero();
    System.out.println(report.lines().filter(l -> !l.startsWith("[isolate")).toList());

    assertThat(report).contains("flood: RESULT_TOO_LARGE").contains("(maxResultBytes)");
    assertThat(report).contains("after the flood: 42");
    // The default bound is 128 MiB: the heap held about that (what a collection found live; the
    // heap in use also counts garbage not yet collected), never the whole flood, and a 256 MiB
    // caller lived on.
    assertThat(peakMiB(report, "flood peak heap", 2)).isLessThan(200);

    assertThat(report).contains("endless line: returned 7");
    assertThat(report).containsPattern("more bytes dropped \\(maxOutputBytes is 16777216\\)");
    assertThat(peakMiB(report, "endless line peak heap", 2)).isLessThan(32);
    // 16 MiB forwarded in lines of 64 KiB, the rest dropped.
    assertThat(forwardedBytes).isLessThan(20L << 20);
  }

  /** Group 1: the most in use, garbage included; group 2: the most live after a collection. */
  private static long peakMiB(String report, String label, int group) {
    Matcher peak = Pattern.compile(label + ": (\\d+) MiB in use, (\\d+) MiB live").matcher(report);
    assertThat(peak.find()).as(report).isTrue();
    return Long.parseLong(peak.group(group));
  }
}
