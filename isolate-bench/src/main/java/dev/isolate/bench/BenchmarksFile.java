package dev.isolate.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * docs/BENCHMARKS.md: the harness owns only the part between its two markers and keeps the rest,
 * where people write what a profile shows.
 */
final class BenchmarksFile {
  static final String BEGIN = "<!-- bench:begin -->";
  static final String END = "<!-- bench:end -->";

  private static final String HEADING =
      "# Benchmarks\n\n"
          + "Written by `isolate-bench` (`dev.isolate.bench.Benchmarks`): each run replaces what"
          + " lies between the\n"
          + "`bench:begin` and `bench:end` markers and keeps the rest of this file.\n\n";
  private static final String BY_HAND =
      "\n"
          + "## Where the time goes\n\n"
          + "Filled by hand from a profile (for example `perf record -g` of the worker image and"
          + " its children\n"
          + "during a run); the harness never writes here. Not filled in yet.\n";

  private BenchmarksFile() {}

  /**
   * Writes {@code block} between the markers of {@code file}, creating the file with both markers
   * and an empty hand-written section if it does not exist.
   *
   * @throws IllegalStateException if the file exists without the two markers in order: it is then
   *     someone's own text, not to be overwritten
   */
  static void update(Path file, String block) throws IOException {
    String generated = BEGIN + "\n" + block + END;
    String content;
    if (Files.exists(file)) {
      String old = Files.readString(file, StandardCharsets.UTF_8);
      int begin = old.indexOf(BEGIN);
      int end = begin < 0 ? -1 : old.indexOf(END, begin);
      if (end < 0) {
        throw new IllegalStateException(
            file
                + " has no "
                + BEGIN
                + " ... "
                + END
                + " pair: the harness writes only between them; add both"
                + " markers where the generated tables belong, or move the file away");
      }
      content = old.substring(0, begin) + generated + old.substring(end + END.length());
    } else {
      content = HEADING + generated + "\n" + BY_HAND;
    }
    Path directory = file.toAbsolutePath().getParent();
    Files.createDirectories(directory);
    Path temporary = Files.createTempFile(directory, ".BENCHMARKS", ".md");
    try {
      Files.writeString(temporary, content, StandardCharsets.UTF_8);
      Files.move(
          temporary, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(temporary);
    }
  }
}
