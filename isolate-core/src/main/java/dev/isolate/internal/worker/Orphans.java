package dev.isolate.internal.worker;

import dev.isolate.posix.NativeBuffer;
import dev.isolate.posix.Signals;
import dev.isolate.posix.SyscallException;
import dev.isolate.posix.Syscalls;
import dev.isolate.posix.Syscalls.WaitResult;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Ends the processes that a call's child left behind. The worker image is a subreaper, and so is
 * each child while it runs: a process a child started, and that outlived it (a daemon, a {@code
 * setsid}, a double fork), is re-parented to the worker image when the child exits, and shows up
 * among the worker image's children without being one of the table's. Each of those is killed and
 * reaped. Reads {@code /proc} with plain system calls into a native buffer, and allocates nothing.
 */
final class Orphans {
  /** How often the worker image looks again while some are still dying. */
  static final int RESWEEP_MILLIS = 10;

  private final Syscalls syscalls;
  private final List<Child> children;
  private final NativeBuffer paths;
  private final int[] pathOffsets;
  private final NativeBuffer text;
  private final byte[] bytes;
  private boolean due;

  Orphans(Syscalls syscalls, List<Child> children) {
    this.syscalls = syscalls;
    this.children = children;
    // Orphans are re-parented to the process's first thread; children forked, or cloned with
    // CLONE_PARENT by a child, belong to the zygote's thread.
    int pid = syscalls.getpid();
    String[] files = {
      "/proc/self/task/" + pid + "/children", "/proc/self/task/" + syscalls.gettid() + "/children"
    };
    this.pathOffsets = new int[files.length];
    byte[][] encoded = new byte[files.length][];
    int size = 0;
    for (int i = 0; i < files.length; i++) {
      encoded[i] = files[i].getBytes(StandardCharsets.US_ASCII);
      pathOffsets[i] = size;
      size += encoded[i].length + 1;
    }
    this.paths = syscalls.allocate(size);
    for (int i = 0; i < files.length; i++) {
      paths.put(pathOffsets[i], encoded[i], 0, encoded[i].length);
      paths.putByte(pathOffsets[i] + encoded[i].length, (byte) 0);
    }
    this.text = syscalls.allocate(64 * 1024);
    this.bytes = new byte[text.capacity()];
  }

  /** A call's child is gone: look for what it left, now and until nothing is left. */
  void sweepSoon() {
    due = true;
  }

  /** Whether a sweep is due; the zygote then polls no longer than {@link #RESWEEP_MILLIS}. */
  boolean due() {
    return due;
  }

  /** Kills and reaps every child of the worker image that is not in the table. */
  void sweep() {
    boolean found = false;
    for (int offset : pathOffsets) {
      found |= sweep(offset);
    }
    // Keep looking while some were found: one killed may leave orphans of its own.
    due = found;
  }

  private boolean sweep(int pathOffset) {
    int length = readFile(pathOffset);
    text.get(0, bytes, 0, length);
    boolean found = false;
    int pid = 0;
    for (int i = 0; i <= length; i++) {
      byte b = i < length ? bytes[i] : (byte) ' ';
      if (b >= '0' && b <= '9') {
        pid = pid * 10 + (b - '0');
      } else if (pid > 0) {
        if (!inTable(pid)) {
          end(pid);
          found = true;
        }
        pid = 0;
      }
    }
    return found;
  }

  private int readFile(int pathOffset) {
    int fd;
    try {
      fd = syscalls.open(paths, pathOffset, Syscalls.O_RDONLY | Syscalls.O_CLOEXEC);
    } catch (SyscallException e) {
      return 0;
    }
    int length = 0;
    try {
      int n;
      while (length < text.capacity()
          && (n = syscalls.read(fd, text, length, text.capacity() - length)) > 0) {
        length += n;
      }
    } catch (SyscallException e) {
      // What was read is used; the next sweep reads again.
    } finally {
      try {
        syscalls.close(fd);
      } catch (SyscallException e) {
        // A descriptor of /proc that will not close: nothing more to do.
      }
    }
    return length;
  }

  private boolean inTable(int pid) {
    for (int i = 0; i < children.size(); i++) {
      if (children.get(i).pid == pid && !children.get(i).done) {
        return true;
      }
    }
    return false;
  }

  private void end(int pid) {
    try {
      syscalls.kill(pid, Signals.SIGKILL);
    } catch (SyscallException e) {
      // Already gone: it is a zombie, reaped below.
    }
    try {
      WaitResult ignored = syscalls.waitpid(pid, true);
    } catch (SyscallException e) {
      // Not ours after all, or reaped meanwhile.
    }
  }
}
