package dev.isolate;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** No process outlives its caller, and a child holds no descriptor it does not need. */
@EnabledOnOs(OS.LINUX)
@Timeout(120)
class ProcessHygieneIT {

  @Test
  void killingTheCallerMidCallEndsItsWorkerImageAndChildWithinASecond(@TempDir Path temp)
      throws Exception {
    Path pidFile = temp.resolve("child.pid");
    Process caller =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                KilledCaller.class.getName(),
                pidFile.toString())
            .redirectError(ProcessBuilder.Redirect.INHERIT)
            .start();
    Path leftBehind = null;
    try {
      BufferedReader out =
          new BufferedReader(
              new InputStreamReader(caller.getInputStream(), StandardCharsets.UTF_8));
      String line = out.readLine();
      assertThat(line).startsWith("worker ");
      String[] words = line.split(" ");
      long workerPid = Long.parseLong(words[1]);
      leftBehind = Path.of(words[2]);
      long childPid = Children.awaitPid(pidFile, Duration.ofSeconds(30));
      assertThat(isRunning(workerPid)).isTrue();
      assertThat(isRunning(childPid)).isTrue();

      long killedAt = System.nanoTime();
      caller.destroyForcibly();
      while ((isRunning(workerPid) || isRunning(childPid))
          && System.nanoTime() - killedAt < Duration.ofSeconds(5).toNanos()) {
        Thread.sleep(5);
      }
      Duration gone = Duration.ofNanos(System.nanoTime() - killedAt);
      System.out.printf(
          "caller SIGKILLed: worker image and child gone after %d ms%n", gone.toMillis());
      assertThat(isRunning(workerPid)).as("worker image %d", workerPid).isFalse();
      assertThat(isRunning(childPid)).as("child %d", childPid).isFalse();
      assertThat(gone).isLessThan(Duration.ofSeconds(1));
    } finally {
      caller.destroyForcibly();
      if (leftBehind != null) {
        try (Stream<Path> files = Files.list(leftBehind)) {
          for (Path file : files.toList()) {
            Files.delete(file);
          }
        }
        Files.delete(leftBehind);
      }
    }
  }

  /** Alive and not a zombie: a process that exited is gone even if nobody has reaped it yet. */
  private static boolean isRunning(long pid) throws IOException {
    Path stat = Path.of("/proc/" + pid + "/stat");
    try {
      String text = Files.readString(stat);
      char state = text.charAt(text.lastIndexOf(')') + 2);
      return state != 'Z' && state != 'X';
    } catch (IOException gone) {
      return false;
    }
  }

  @ParameterizedTest(name = "preforkedChildren({0})")
  @ValueSource(ints = {0, 2})
  void aChildHoldsOnlyItsStandardStreamsItsResultPipeAndTheJvmsReadOnlyFiles(int preforked)
      throws Exception {
    try (Isolator isolator =
        Isolator.builder().preforkedChildren(preforked).forwardChildOutput(false).build()) {
      // A few calls first: with a pool, later children were forked while others waited as spares.
      for (int i = 0; i < 4; i++) {
        isolator.execute(() -> 0);
      }
      List<String> descriptors =
          isolator.execute(
              () -> {
                List<String> found = new ArrayList<>();
                try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
                  for (Path fd : fds.toList()) {
                    try {
                      String flags =
                          Files.readAllLines(Path.of("/proc/self/fdinfo/" + fd.getFileName()))
                              .get(1);
                      found.add(
                          fd.getFileName()
                              + " -> "
                              + Files.readSymbolicLink(fd)
                              + " "
                              + flags.replaceAll("\\s+", " "));
                    } catch (IOException closedMeanwhile) {
                      // The listing's own descriptor.
                    }
                  }
                }
                return found;
              });
      System.out.println("a child's descriptors:\n  " + String.join("\n  ", descriptors));

      assertThat(descriptors).anyMatch(d -> d.startsWith("0 -> /dev/null"));
      assertThat(descriptors).anyMatch(d -> d.startsWith("1 -> pipe:"));
      assertThat(descriptors).anyMatch(d -> d.startsWith("2 -> pipe:"));
      // Three pipes: standard output, standard error and the result; nothing of the worker's
      // protocol,
      // of other children, or of the caller.
      assertThat(descriptors.stream().filter(d -> d.contains("pipe:"))).hasSize(3);
      assertThat(descriptors).noneMatch(d -> d.contains("socket:") || d.contains("anon_inode:"));
      for (String d : descriptors) {
        if (!d.contains("pipe:") && !d.startsWith("0 -> ")) {
          // Everything else is a file the JVM reads (jars, lib/modules, /dev/urandom), or this
          // listing's own.
          String[] parts = d.split(" ");
          assertThat(parts[2]).as(d).startsWith("/");
          assertThat(Integer.parseInt(parts[4], 8) & 3).as("%s is open read-only", d).isZero();
        }
      }
    }
  }
}
