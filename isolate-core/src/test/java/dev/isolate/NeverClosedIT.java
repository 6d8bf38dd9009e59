package dev.isolate;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

/**
 * An isolator that is never closed (a {@code static final} one, {@link MemIsolate}'s) leaves no
 * file behind when its JVM exits: not its agent jar, its options file or its class path copies.
 */
@EnabledOnOs(OS.LINUX)
@Timeout(120)
class NeverClosedIT {
  /** A caller that makes its calls and exits without closing anything. */
  public static final class Leaver {
    static final Isolator ISOLATOR = Isolator.builder().build();

    public static void main(String[] args) throws Exception {
      System.out.println("static " + ISOLATOR.execute(() -> 6 * 7));
      System.out.println("shared " + MemIsolate.executeInIsolatedProcess(() -> 7 * 6));
    }
  }

  @Test
  void theJvmsExitRemovesTheFilesOfIsolatorsNeverClosed(@TempDir Path temp) throws Exception {
    Process caller =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Djava.io.tmpdir=" + temp,
                "-cp",
                System.getProperty("java.class.path"),
                Leaver.class.getName())
            .redirectErrorStream(true)
            .start();
    String output = new String(caller.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(caller.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(output).contains("static 42").contains("shared 42");
    try (Stream<Path> left = Files.list(temp)) {
      assertThat(left.filter(path -> path.getFileName().toString().startsWith("isolate-")))
          .as(output)
          .isEmpty();
    }
  }
}
