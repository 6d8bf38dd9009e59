package dev.isolate.internal.worker;

import dev.isolate.posix.HugePages;
import dev.isolate.posix.NativeBuffer;
import dev.isolate.posix.SyscallException;
import dev.isolate.posix.Syscalls;

/**
 * Keeps the worker image's anonymous memory on huge pages, so that each fork copies, and each
 * child's exit tears down, a few hundred page-table entries instead of ten thousand. The heap is
 * faulted in as huge pages, but each write the worker image makes to a huge page a child shares
 * splits it, and the kernel's own collapsing skips pages shared with children; so every {@link
 * #FORKS_BETWEEN} forks the worker image collapses its private writable mappings again, right after
 * a fork, while that child runs. Reads {@code /proc/self/maps} with plain system calls into memory
 * it holds, so that it allocates nothing on the never-collected heap.
 */
final class PageTables {
  static final int FORKS_BETWEEN = 64;

  private static final long HUGE_PAGE = 2L << 20;
  private static final int MAPS_BYTES = 1 << 18;

  private final Syscalls syscalls;
  private final NativeBuffer buffer;
  private final byte[] maps = new byte[MAPS_BYTES];
  private final Ranges collapse = PageTables::collapseRange;
  private int forks;
  private boolean unsupported;

  PageTables(Syscalls syscalls) {
    this.syscalls = syscalls;
    this.buffer = syscalls.allocate(MAPS_BYTES);
    this.unsupported = !kernelHasCollapse(System.getProperty("os.version", ""));
  }

  /** {@code MADV_COLLAPSE} came with Linux 6.1. */
  static boolean kernelHasCollapse(String osVersion) {
    String[] parts = osVersion.split("[.-]", 3);
    try {
      int major = Integer.parseInt(parts[0]);
      int minor = parts.length > 1 ? Integer.parseInt(parts[1]) : 0;
      return major > 6 || (major == 6 && minor >= 1);
    } catch (NumberFormatException e) {
      return false;
    }
  }

  /** Told after each fork, in the worker image. */
  void forked() {
    if (unsupported || ++forks < FORKS_BETWEEN) {
      return;
    }
    forks = 0;
    try {
      collapsible(maps, read(), collapse);
    } catch (SyscallException e) {
      // Reading the maps failed: try again at the next round.
    }
  }

  private int read() throws SyscallException {
    int length = ProcFile.read(syscalls, "/proc/self/maps", buffer);
    buffer.get(0, maps, 0, length);
    return length;
  }

  /** Where a range goes; made once, so that a round allocates nothing. */
  interface Ranges {
    void accept(long start, long length);
  }

  private static void collapseRange(long start, long length) {
    try {
      HugePages.collapse(start, length);
    } catch (SyscallException e) {
      // EINVAL when part of the range has no pages yet (a heap committed but not touched), EAGAIN
      // when no huge page was free: what could be collapsed was.
    }
  }

  /**
   * The private, writable, non-executable anonymous mappings (the heap, metaspace, malloc arenas)
   * of at least one huge page in the first {@code length} bytes of a {@code /proc/self/maps} text.
   * A line: {@code start-end perms offset dev inode [path]}.
   */
  static void collapsible(byte[] maps, int length, Ranges ranges) {
    int at = 0;
    while (at < length) {
      int end = at;
      while (end < length && maps[end] != '\n') {
        end++;
      }
      int dash = indexOf(maps, (byte) '-', at, end);
      int space = dash < 0 ? -1 : indexOf(maps, (byte) ' ', dash + 1, end);
      if (dash > 0 && space > 0 && space + 5 <= end) {
        long start = hex(maps, at, dash);
        long stop = hex(maps, dash + 1, space);
        boolean privateWritable =
            maps[space + 1] == 'r'
                && maps[space + 2] == 'w'
                && maps[space + 3] == '-'
                && maps[space + 4] == 'p';
        if (privateWritable && anonymous(maps, space + 5, end) && stop - start >= HUGE_PAGE) {
          ranges.accept(start, stop - start);
        }
      }
      at = end + 1;
    }
  }

  /** Whether the rest of a maps line ({@code offset dev inode [path]}) has inode 0 and no path. */
  private static boolean anonymous(byte[] maps, int from, int end) {
    int fields = 0;
    int i = from;
    while (i < end && fields < 3) {
      while (i < end && maps[i] == ' ') {
        i++;
      }
      int fieldStart = i;
      while (i < end && maps[i] != ' ') {
        i++;
      }
      fields++;
      if (fields == 3 && !(i - fieldStart == 1 && maps[fieldStart] == '0')) {
        return false;
      }
    }
    while (i < end && maps[i] == ' ') {
      i++;
    }
    // No path, or the brk heap.
    return i == end || (end - i == 6 && maps[i] == '[' && maps[i + 1] == 'h');
  }

  private static int indexOf(byte[] maps, byte wanted, int from, int end) {
    for (int i = from; i < end; i++) {
      if (maps[i] == wanted) {
        return i;
      }
    }
    return -1;
  }

  private static long hex(byte[] maps, int from, int to) {
    long value = 0;
    for (int i = from; i < to; i++) {
      byte c = maps[i];
      value = (value << 4) | (c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
    }
    return value;
  }
}
