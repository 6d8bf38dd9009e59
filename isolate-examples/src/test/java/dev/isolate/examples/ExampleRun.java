package dev.isolate.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Runs an example's main in a JVM of its own, as its one command does, and returns what it printed.
 */
final class ExampleRun {
  private ExampleRun() {}

  /** The example's output; fails the test if it did not end within 90 s or did not exit with 0. */
  static String run(Class<?> main) throws Exception {
    return run(main, List.of());
  }

  /** {@link #run(Class)}, with these options on the example's JVM command line. */
  static String run(Class<?> main, List<String> jvmOptions) throws Exception {
    // A JVM of its own: the examples' crashes and exits must not touch surefire's JVM.
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    List<String> command = new ArrayList<>();
    command.add(java.toString());
    command.addAll(jvmOptions);
    command.addAll(List.of("-cp", System.getProperty("java.class.path"), main.getName()));
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    // Read on another thread: a process that kept the example's output open must not hang the test.
    CompletableFuture<String> reading =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
              } catch (IOException e) {
                throw new UncheckedIOException(e);
              }
            });
    try {
      boolean ended = process.waitFor(90, TimeUnit.SECONDS);
      String output = reading.get(10, TimeUnit.SECONDS);
      assertThat(ended).as("%s ended; its output:%n%s", main.getSimpleName(), output).isTrue();
      assertThat(process.exitValue())
          .as("exit status of %s, whose output is:%n%s", main.getSimpleName(), output)
          .isZero();
      return output;
    } finally {
      process.destroyForcibly();
    }
  }
}
