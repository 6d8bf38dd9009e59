package dev.isolate.internal.outcome;

import dev.isolate.internal.host.ChildOutput;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The {@code hs_err} files in a crash directory: reads the one a crashed child wrote, and keeps
 * only the newest {@link #keep} of them, so that a busy isolator on a CI machine cannot fill the
 * disk. Isolators that share a directory share its budget.
 */
public final class CrashFiles {
  /**
   * Slack for file time stamps against the call's start, so that a file left by an earlier child of
   * the same pid is not read.
   */
  private static final long CLOCK_SLACK_MILLIS = 2000;

  private static final int MAX_REPORT_BYTES = 4 * 1024 * 1024;

  private final Path directory;
  private final int keep;

  public CrashFiles(Path directory, int keep) {
    this.directory = directory;
    this.keep = keep;
  }

  public Path directory() {
    return directory;
  }

  /**
   * The crash facts of child {@code childPid}: from the {@code hs_err} file it wrote after {@code
   * startedAtMillis}, if it wrote one, else from its output. Prunes old files.
   */
  public CrashFacts read(int childPid, long startedAtMillis, ChildOutput output) {
    Path hsErr = childPid <= 0 ? null : directory.resolve("hs_err_pid" + childPid + ".log");
    String report = null;
    if (hsErr != null && writtenSince(hsErr, startedAtMillis)) {
      report = readPrefix(hsErr);
      if (keep == 0) {
        delete(hsErr);
        hsErr = null;
      }
      prune();
    } else {
      hsErr = null;
    }
    return CrashFacts.parse(
        report, report == null ? null : hsErr, output.stdoutTail(), output.stderrTail());
  }

  /**
   * Deletes all but the newest {@link #keep} {@code hs_err_pid*.log} files; the rest of the
   * directory is left alone.
   */
  public synchronized void prune() {
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
      delete(old);
    }
  }

  private static boolean writtenSince(Path file, long startedAtMillis) {
    try {
      return Files.isRegularFile(file)
          && Files.getLastModifiedTime(file).toMillis() >= startedAtMillis - CLOCK_SLACK_MILLIS;
    } catch (IOException e) {
      return false;
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

  private static void delete(Path file) {
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      // Another isolator sharing the directory removed it, or it cannot be removed: next time.
    }
  }

  private static String readPrefix(Path file) {
    try (InputStream in = Files.newInputStream(file)) {
      return new String(in.readNBytes(MAX_REPORT_BYTES), StandardCharsets.UTF_8);
    } catch (IOException e) {
      return null;
    }
  }
}
