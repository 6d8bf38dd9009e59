package dev.isolate;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

/** What children print: captured per call, attached to failures, forwarded whole line by line. */
@EnabledOnOs(OS.LINUX)
@Timeout(120)
class ChildOutputIT {
  private static final String PADDING = "x".repeat(100);

  @Test
  void linesOfConcurrentChildrenAreForwardedWholeInOrderAndPrefixedWithTheirPid() throws Exception {
    PrintStream original = System.out;
    ByteArrayOutputStream forwarded = new ByteArrayOutputStream();
    List<Integer> childPids = new ArrayList<>();
    System.setOut(new PrintStream(forwarded, true, StandardCharsets.UTF_8));
    try (Isolator isolator = Isolator.builder().forwardChildOutput(true).build()) {
      List<CompletableFuture<Integer>> calls = new ArrayList<>();
      for (int k = 0; k < 4; k++) {
        int child = k;
        calls.add(
            isolator.submit(
                () -> {
                  for (int i = 0; i < 2000; i++) {
                    System.out.println("child " + child + " line " + i + " " + PADDING);
                  }
                  return Libc.INSTANCE.getpid();
                }));
      }
      for (CompletableFuture<Integer> call : calls) {
        childPids.add(call.get());
      }
    } finally {
      System.setOut(original);
    }

    Pattern line = Pattern.compile("\\[isolate child (\\d+)] child (\\d) line (\\d+) " + PADDING);
    Map<Integer, Integer> nextLine = new HashMap<>();
    for (String text : forwarded.toString(StandardCharsets.UTF_8).split("\n")) {
      Matcher matcher = line.matcher(text);
      assertThat(matcher.matches()).as("a whole, prefixed line: %s", text).isTrue();
      int child = Integer.parseInt(matcher.group(2));
      assertThat(Integer.parseInt(matcher.group(1))).isEqualTo(childPids.get(child));
      int expected = nextLine.getOrDefault(child, 0);
      assertThat(Integer.parseInt(matcher.group(3))).isEqualTo(expected);
      nextLine.put(child, expected + 1);
    }
    assertThat(nextLine)
        .containsExactlyInAnyOrderEntriesOf(Map.of(0, 2000, 1, 2000, 2, 2000, 3, 2000));
  }

  @Test
  void everyFailureCarriesWhatTheChildPrinted() {
    try (Isolator isolator = Isolator.builder().forwardChildOutput(false).build()) {
      MemIsolateException threw =
          Failures.of(
              () ->
                  isolator.execute(
                      () -> {
                        System.out.println("out before the throw");
                        System.err.println("err before the throw");
                        throw new IllegalStateException("thrown");
                      }));
      assertThat(threw.reason()).isEqualTo(Reason.CALLABLE_THREW);
      assertThat(threw.stdoutTail()).isEqualTo("out before the throw\n");
      assertThat(threw.stderrTail()).isEqualTo("err before the throw\n");

      MemIsolateException crashed =
          Failures.of(
              () ->
                  isolator.execute(
                      () -> {
                        System.out.println("out before the crash");
                        System.out.flush();
                        return Libc.segfault();
                      }));
      assertThat(crashed.reason()).isEqualTo(Reason.CHILD_PROCESS_KILLED_BY_SIGNAL);
      assertThat(crashed.stdoutTail()).startsWith("out before the crash\n");
      assertThat(crashed.crashReport().orElseThrow().stdoutTail()).isEqualTo(crashed.stdoutTail());
      // HotSpot's crash banner goes to the child's standard output.
      assertThat(crashed.stdoutTail()).contains("SIGSEGV");
    }
  }

  @Test
  void theTailKeptIsTheLast64KiB() {
    try (Isolator isolator = Isolator.builder().forwardChildOutput(false).build()) {
      MemIsolateException e =
          Failures.of(
              () ->
                  isolator.execute(
                      () -> {
                        for (int i = 0; i < 3000; i++) {
                          System.err.println("line " + i + " " + PADDING);
                        }
                        throw new IllegalStateException("after 300 KiB");
                      }));
      assertThat(e.stderrTail().length()).isEqualTo(64 * 1024);
      assertThat(e.stderrTail()).endsWith("line 2999 " + PADDING + "\n");
    }
  }
}
