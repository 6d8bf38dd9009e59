package dev.isolate;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

/**
 * A callable cannot leave a daemon behind: whatever its child started, in its own session or by a
 * double fork, holding the child's pipes or not, is gone within a second of the call's end, of
 * {@code close()}, and of the caller's death.
 */
@EnabledOnOs(OS.LINUX)
@Timeout(120)
class DescendantsIT {

  /**
   * Starts three descendants that would outlive the child: a {@code sleep} holding its standard
   * output, a {@code setsid sleep} in a session of its own, and a fork of the child itself asleep
   * in {@code pause()}; returns the forked one's pid. The sleeps are told apart by {@code tag}.
   */
  static int leaveDescendants(String tag) throws Exception {
    new ProcessBuilder("sleep", "30." + tag)
        .redirectOutput(ProcessBuilder.Redirect.INHERIT)
        .start();
    new ProcessBuilder("setsid", "sleep", "31." + tag).start();
    int forked = Hostile.Native.INSTANCE.fork();
    if (forked == 0) {
      while (true) {
        Hostile.Native.INSTANCE.pause();
      }
    }
    // Until the setsid'd sleep has left its group, it is not yet what this test is about.
    long deadline = System.nanoTime() + 5_000_000_000L;
    while (pidsRunning("31." + tag).isEmpty() && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    return forked;
  }

  /** The pids of live processes whose command line holds {@code word}. */
  static List<Long> pidsRunning(String word) throws IOException {
    List<Long> found = new ArrayList<>();
    try (DirectoryStream<Path> processes = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
      for (Path process : processes) {
        try {
          String cmdline =
              new String(Files.readAllBytes(process.resolve("cmdline")), StandardCharsets.UTF_8)
                  .replace('\0', ' ');
          String stat = Files.readString(process.resolve("stat"));
          boolean zombie = stat.substring(stat.lastIndexOf(')') + 2).startsWith("Z");
          if (cmdline.contains(word) && !zombie) {
            found.add(Long.parseLong(process.getFileName().toString()));
          }
        } catch (IOException | RuntimeException gone) {
          // It exited while being looked at.
        }
      }
    }
    return found;
  }

  private static void assertGoneWithin(Duration bound, String tag, long forkedPid)
      throws Exception {
    long start = System.nanoTime();
    long deadline = start + bound.toNanos();
    while (System.nanoTime() < deadline
        && (!pidsRunning("30." + tag).isEmpty()
            || !pidsRunning("31." + tag).isEmpty()
            || (forkedPid > 0
                && ProcessHandle.of(forkedPid).map(ProcessHandle::isAlive).orElse(false)))) {
      Thread.sleep(20);
    }
    System.out.printf(
        "descendants of tag %s gone after %d ms%n", tag, (System.nanoTime() - start) / 1_000_000);
    assertThat(pidsRunning("30." + tag)).as("the sleep that held the child's output").isEmpty();
    assertThat(pidsRunning("31." + tag)).as("the sleep in a session of its own").isEmpty();
    if (forkedPid > 0) {
      assertThat(Path.of("/proc/" + forkedPid + "/cmdline"))
          .as("the child's own fork")
          .satisfiesAnyOf(
              path -> assertThat(path).doesNotExist(),
              path ->
                  assertThat(Files.readString(Path.of("/proc/" + forkedPid + "/stat")))
                      .contains(") Z"));
    }
  }

  @Test
  void whatAChildStartedIsGoneWithinASecondOfTheCallsEnd() throws Exception {
    try (Isolator isolator = Isolator.builder().forwardChildOutput(false).build()) {
      String tag = "1" + ProcessHandle.current().pid();
      int forked = isolator.execute(() -> leaveDescendants(tag));
      assertGoneWithin(Duration.ofSeconds(1), tag, forked);
      assertThat(isolator.execute(() -> 6 * 7)).isEqualTo(42);
    }
  }

  @Test
  void whatAChildStartedIsGoneAfterTheIsolatorIsClosed() throws Exception {
    String tag = "2" + ProcessHandle.current().pid();
    Isolator isolator = Isolator.builder().forwardChildOutput(false).build();
    var call =
        isolator.submit(
            () -> {
              leaveDescendants(tag);
              return Hostile.Native.INSTANCE.pause();
            });
    long deadline = System.nanoTime() + 30_000_000_000L;
    while (pidsRunning("31." + tag).isEmpty() && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertThat(pidsRunning("31." + tag)).isNotEmpty();
    isolator.close();
    assertGoneWithin(Duration.ofSeconds(1), tag, -1);
    assertThat(call).isCompletedExceptionally();
  }

  @Test
  void whatAChildStartedIsGoneAfterTheCallerIsKilled(@TempDir Path temp) throws Exception {
    String tag = "3" + ProcessHandle.current().pid();
    Process caller =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                AbandoningCaller.class.getName(),
                tag)
            .redirectErrorStream(true)
            .redirectOutput(temp.resolve("caller.log").toFile())
            .start();
    long deadline = System.nanoTime() + 60_000_000_000L;
    while (pidsRunning("31." + tag).isEmpty() && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertThat(pidsRunning("31." + tag))
        .as(Files.readString(temp.resolve("caller.log")))
        .isNotEmpty();
    caller.destroyForcibly();
    assertThat(caller.waitFor(10, TimeUnit.SECONDS)).isTrue();
    // The worker image notices its caller's end, ends its children and what they left, and exits.
    assertGoneWithin(Duration.ofSeconds(2), tag, -1);
  }

  /** A caller whose call leaves descendants behind and never ends; the test kills it. */
  public static final class AbandoningCaller {
    private AbandoningCaller() {}

    public static void main(String[] args) throws Exception {
      String tag = args[0];
      Isolator isolator = Isolator.builder().forwardChildOutput(false).build();
      isolator.execute(
          () -> {
            leaveDescendants(tag);
            return Hostile.Native.INSTANCE.pause();
          });
    }
  }
}
