package dev.isolate;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The {@code hs_err} files in a crash directory: only the newest {@link #keep} are kept, so that a
 * busy isolator on a CI machine cannot fill the disk with them.
 */
final class CrashFiles {
  private final Path directory;
  private final int keep;

  CrashFiles(Path directory, int keep) {
    this.directory = directory;
    this.keep = keep;
  }

  Path directory() {
    return directory;
  }

  int keep() {
    return keep;
  }

  /**
   * Deletes all but the newest {@link #keep} {@code hs_err_pid*.log} files; the rest of the
   * directory is left alone.
   */
  synchronized void prune() {
    List<Path> reports = new ArrayList<>();
    try (DirectoryStream<Path> files = Files.newDirectoryStream(directory, "hs_err_pid*.log")) {
      files.forEach(reports::add);
    } catch (IOException e) {
      return;
    }
    if (reports.size() <= keep) {
      return;
    }
    reports.sort(Comparator.comparing(CrashFiles::modified).reversed());
    for (Path old : reports.subList(keep, reports.size())) {
      try {
        Files.deleteIfExists(old);
      } catch (IOException e) {
        // Another isolator sharing the directory removed it, or it cannot be removed: try again
        // next time.
      }
    }
  }

  private static FileTime modified(Path file) {
    try {
      return Files.getLastModifiedTime(file);
    } catch (IOException e) {
      // Deleted meanwhile: sorted as oldest, and deleting it again is harmless.
      return FileTime.fromMillis(0);
    }
  }
}
