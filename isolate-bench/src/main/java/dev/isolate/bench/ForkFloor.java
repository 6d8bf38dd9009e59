package dev.isolate.bench;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The C program {@code fork_floor.c}, built with {@code gcc -O2} into the build directory when the
 * run starts: the cost of pipe, fork, a 4-byte answer and waitpid with no JVM on either side.
 */
final class ForkFloor {
  static final String SKIPPED = "skipped: gcc not found";

  private final Path binary;

  private ForkFloor(Path binary) {
    this.binary = binary;
  }

  /**
   * Compiles {@code source} into {@code buildDir}, or returns empty when no {@code gcc} is on the
   * {@code PATH}.
   *
   * @throws IOException if gcc is there but fails: a source that does not compile is a bug to see
   */
  static Optional<ForkFloor> build(Path source, Path buildDir)
      throws IOException, InterruptedException {
    Optional<Path> gcc = onPath("gcc");
    if (gcc.isEmpty()) {
      return Optional.empty();
    }
    Files.createDirectories(buildDir);
    Path binary = buildDir.resolve("fork_floor");
    List<String> command =
        List.of(
            gcc.get().toString(),
            "-O2",
            "-Wall",
            "-Wextra",
            "-Werror",
            "-o",
            binary.toString(),
            source.toString());
    Process gccRun = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(gccRun.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (gccRun.waitFor() != 0) {
      throw new IOException(
          "gcc failed with status " + gccRun.exitValue() + ": " + command + "\n" + output);
    }
    return Optional.of(new ForkFloor(binary));
  }

  /**
   * Times {@code calls} fork-per-call iterations after {@code warmUp}, the parent holding {@code
   * residentMiB}.
   */
  Samples run(int warmUp, int calls, long residentMiB) throws IOException, InterruptedException {
    List<String> command =
        List.of(
            binary.toString(),
            Integer.toString(warmUp),
            Integer.toString(calls),
            Long.toString(residentMiB));
    Process run =
        new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    String output = new String(run.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (run.waitFor() != 0) {
      throw new IOException("fork_floor failed with status " + run.exitValue() + ": " + command);
    }
    List<String> lines = output.lines().toList();
    if (lines.size() != calls) {
      throw new IOException(
          "fork_floor printed " + lines.size() + " samples, expected " + calls + ": " + command);
    }
    long[] nanos = new long[calls];
    for (int i = 0; i < calls; i++) {
      nanos[i] = Long.parseLong(lines.get(i).strip());
    }
    return Samples.of(nanos);
  }

  private static Optional<Path> onPath(String program) {
    String path = System.getenv("PATH");
    if (path == null) {
      return Optional.empty();
    }
    List<Path> candidates = new ArrayList<>();
    for (String directory : path.split(File.pathSeparator)) {
      if (!directory.isEmpty()) {
        candidates.add(Path.of(directory, program));
      }
    }
    return candidates.stream().filter(Files::isExecutable).findFirst();
  }
}
