package dev.isolate.internal.worker;

import dev.isolate.posix.SyscallException;
import dev.isolate.posix.Syscalls;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The worker image's read-only regular files (its class path jars, above all), which a fork shares
 * with every child: same descriptor, same file offset.
 *
 * <p>Why it matters: the JDK reads a jar with seek-then-read on one descriptor. Two processes doing
 * that on a shared offset read each other's positions, and class loading fails with
 * {@code ClassNotFoundException} in both. A child therefore gives each of these descriptors its own
 * offset, by opening the file again onto the same descriptor number, before it loads any class.
 */
final class SharedFiles {
  private static final int O_ACCMODE = 3;

  private final int[] fds;
  private final String[] paths;

  private SharedFiles(int[] fds, String[] paths) {
    this.fds = fds;
    this.paths = paths;
  }

  /** Lists them from {@code /proc/self/fd}; in the worker image, before serving. */
  static SharedFiles scan(int... excluded) {
    List<Integer> fds = new ArrayList<>();
    List<String> paths = new ArrayList<>();
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(Path.of("/proc/self/fd"))) {
      for (Path entry : entries) {
        int fd = Integer.parseInt(entry.getFileName().toString());
        if (fd < 3 || contains(excluded, fd)) {
          continue;
        }
        try {
          Path target = Files.readSymbolicLink(entry);
          if (Files.isRegularFile(target) && readOnly(fd)) {
            fds.add(fd);
            paths.add(target.toString());
          }
        } catch (IOException | RuntimeException e) {
          // The directory stream's own descriptor, or a file closed meanwhile.
        }
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot list the worker image's open files in /proc/self/fd", e);
    }
    return new SharedFiles(fds.stream().mapToInt(Integer::intValue).toArray(), paths.toArray(new String[0]));
  }

  private static boolean readOnly(int fd) throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/self/fdinfo/" + fd))) {
      if (line.startsWith("flags:")) {
        return (Integer.parseInt(line.substring(6).strip(), 8) & O_ACCMODE) == Syscalls.O_RDONLY;
      }
    }
    return false;
  }

  private static boolean contains(int[] values, int value) {
    for (int v : values) {
      if (v == value) {
        return true;
      }
    }
    return false;
  }

  /** In a new child: reopens each file onto its descriptor, so that its offset is the child's own. */
  void unshare(Syscalls syscalls) throws SyscallException {
    for (int i = 0; i < fds.length; i++) {
      int fresh;
      try {
        fresh = syscalls.open(paths[i], Syscalls.O_RDONLY);
      } catch (SyscallException e) {
        // Deleted or renamed since: nothing else can open it either; the shared descriptor stays.
        continue;
      }
      syscalls.dup2(fresh, fds[i]);
      syscalls.close(fresh);
    }
  }

  int count() {
    return fds.length;
  }
}
