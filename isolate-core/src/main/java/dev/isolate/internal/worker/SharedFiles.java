package dev.isolate.internal.worker;

import dev.isolate.posix.Errno;
import dev.isolate.posix.NativeBuffer;
import dev.isolate.posix.SyscallException;
import dev.isolate.posix.Syscalls;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The descriptors of the worker image that a fork hands to every child, and what a child does with
 * them: it reopens the read-only regular files and closes everything else it does not need.
 *
 * <p>The worker's read-only regular files (its class path jars, above all) are shared with every
 * child: same descriptor, same file offset.
 *
 * <p>Why it matters: the JDK reads a jar with seek-then-read on one descriptor. Two processes doing
 * that on a shared offset read each other's positions, and class loading fails with {@code
 * ClassNotFoundException} in both. A child therefore gives each of these descriptors its own
 * offset, by opening the file again onto the same descriptor number, before it loads any class.
 *
 * <p>Anything else the worker holds (a socket libc's name service opened, a writable file) is
 * closed in the child: the callable must not write into the worker's connections. Read-only devices
 * such as {@code /dev/urandom}, which the JDK keeps open for {@code SecureRandom}, stay.
 */
final class SharedFiles {
  private static final int O_ACCMODE = 3;

  /**
   * What the descriptor listing's own descriptor is open on (this runs in the worker image). Not
   * from {@code ProcessHandle}, whose cached pid every child would inherit.
   */
  private static final String LISTING = listingTarget();

  private final int[] fds;

  /** The files' paths, each NUL-terminated in {@link #paths} at its offset: ready for open(2). */
  private final NativeBuffer paths;

  private final int[] pathOffsets;
  private final int[] foreign;

  private SharedFiles(int[] fds, NativeBuffer paths, int[] pathOffsets, int[] foreign) {
    this.fds = fds;
    this.paths = paths;
    this.pathOffsets = pathOffsets;
    this.foreign = foreign;
  }

  /** Lists them from {@code /proc/self/fd}; in the worker image, before serving. */
  static SharedFiles scan(Syscalls syscalls, int... excluded) {
    List<Integer> fds = new ArrayList<>();
    List<String> paths = new ArrayList<>();
    List<Integer> foreign = new ArrayList<>();
    for (Map.Entry<Integer, String> open : openDescriptors().entrySet()) {
      int fd = open.getKey();
      if (fd < 3 || contains(excluded, fd)) {
        continue;
      }
      try {
        Path target = Path.of(open.getValue());
        boolean readOnly = readOnly(fd);
        if (Files.isRegularFile(target) && readOnly) {
          fds.add(fd);
          paths.add(target.toString());
        } else if (!(readOnly && target.startsWith("/dev/")) && !target.startsWith("/proc/")) {
          foreign.add(fd);
        }
      } catch (IOException | RuntimeException e) {
        // Closed since it was listed.
      }
    }
    ByteArrayOutputStream encoded = new ByteArrayOutputStream();
    int[] offsets = new int[paths.size()];
    for (int i = 0; i < paths.size(); i++) {
      offsets[i] = encoded.size();
      encoded.writeBytes(paths.get(i).getBytes(StandardCharsets.UTF_8));
      encoded.write(0);
    }
    NativeBuffer pathBuffer = syscalls.allocate(Math.max(1, encoded.size()));
    pathBuffer.put(0, encoded.toByteArray(), 0, encoded.size());
    return new SharedFiles(
        fds.stream().mapToInt(Integer::intValue).toArray(),
        pathBuffer,
        offsets,
        foreign.stream().mapToInt(Integer::intValue).toArray());
  }

  /**
   * This process's descriptors and what each is open on, but the listing's own (whose number the
   * next file opened may take).
   */
  static Map<Integer, String> openDescriptors() {
    Map<Integer, String> descriptors = new HashMap<>();
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(Path.of("/proc/self/fd"))) {
      for (Path entry : entries) {
        try {
          String target = Files.readSymbolicLink(entry).toString();
          if (!target.equals(LISTING)) {
            descriptors.put(Integer.parseInt(entry.getFileName().toString()), target);
          }
        } catch (IOException e) {
          // Closed while listed.
        }
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot list this process's open files in /proc/self/fd", e);
    }
    return descriptors;
  }

  private static String listingTarget() {
    try {
      return Path.of("/proc").resolve(Files.readSymbolicLink(Path.of("/proc/self"))) + "/fd";
    } catch (IOException e) {
      throw new IllegalStateException("cannot read /proc/self", e);
    }
  }

  static boolean readOnly(int fd) throws IOException {
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

  /**
   * In a new child: closes the descriptors it must not use, and reopens each read-only file onto
   * its descriptor, so that its offset is the child's own.
   */
  void unshare(Syscalls syscalls, int... childsOwn) throws SyscallException {
    for (int fd : foreign) {
      // The worker may have closed one since the scan and reused its number for this child's pipes.
      if (!contains(childsOwn, fd)) {
        try {
          syscalls.close(fd);
        } catch (SyscallException e) {
          if (e.errno() != Errno.EBADF) {
            throw e;
          }
        }
      }
    }
    for (int i = 0; i < fds.length; i++) {
      int fresh;
      try {
        fresh = syscalls.open(paths, pathOffsets[i], Syscalls.O_RDONLY);
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
