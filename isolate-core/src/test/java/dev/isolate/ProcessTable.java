package dev.isolate;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads /proc: this process's resident memory, threads and descriptors, and other processes'
 * parents.
 */
final class ProcessTable {
  private ProcessTable() {}

  static long residentBytes() throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
      }
    }
    throw new IllegalStateException("no VmRSS in /proc/self/status");
  }

  /** This process's open descriptors as "fd -> target", without the listing's own. */
  static List<String> descriptors() throws IOException {
    List<String> found = new ArrayList<>();
    try (DirectoryStream<Path> fds = Files.newDirectoryStream(Path.of("/proc/self/fd"))) {
      for (Path fd : fds) {
        try {
          found.add(fd.getFileName() + " -> " + Files.readSymbolicLink(fd));
        } catch (IOException closedMeanwhile) {
          // The directory stream's own descriptor, or one closed while listing.
        }
      }
    }
    found.removeIf(d -> d.endsWith("/fd"));
    return found;
  }

  static int openDescriptors() throws IOException {
    try (DirectoryStream<Path> fds = Files.newDirectoryStream(Path.of("/proc/self/fd"))) {
      int count = 0;
      for (Path ignored : fds) {
        count++;
      }
      return count - 1; // the directory stream's own descriptor
    }
  }

  /**
   * The worker image's children once its calls are over: its spares, asleep and waiting for a call.
   * Waits up to 5 s for children that are still exiting to be reaped; a zombie never is, and stays.
   */
  static List<String> settledChildren(long workerPid) throws IOException, InterruptedException {
    long deadline = System.nanoTime() + 5_000_000_000L;
    List<String> children = children(workerPid);
    while (System.nanoTime() < deadline
        && (children.size() > SPARES
            || !children.stream().allMatch(child -> child.endsWith(":S")))) {
      Thread.sleep(20);
      children = children(workerPid);
    }
    return children;
  }

  /** The default number of pre-forked children. */
  static final int SPARES = 2;

  /** Pids whose parent is {@code parent}, with their state letter (Z for a zombie). */
  static List<String> children(long parent) throws IOException {
    List<String> children = new ArrayList<>();
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
      for (Path entry : entries) {
        String stat;
        try {
          stat = Files.readString(entry.resolve("stat"));
        } catch (IOException gone) {
          continue;
        }
        // pid (comm) state ppid ...; comm may contain spaces, so parse after the last ')'.
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        if (Long.parseLong(fields[1]) == parent) {
          children.add(entry.getFileName() + ":" + fields[0]);
        }
      }
    }
    return children;
  }
}
