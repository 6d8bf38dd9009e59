package dev.isolate.internal.worker;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** A child's scheduling state, CPU ticks and kernel wait channel, from {@code /proc/<pid>}. */
record ChildState(char state, long cpuTicks, String waitChannel) {

  /** The child's state now, or null if it is gone. */
  static ChildState read(int pid) {
    try {
      String stat = Files.readString(Path.of("/proc", Integer.toString(pid), "stat"));
      String wchan = Files.readString(Path.of("/proc", Integer.toString(pid), "wchan"));
      // pid (comm) state ppid ... utime stime: fields 3, 14 and 15; comm may hold spaces.
      String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return new ChildState(
          fields[0].charAt(0), Long.parseLong(fields[11]) + Long.parseLong(fields[12]), wchan);
    } catch (IOException | RuntimeException gone) {
      return null;
    }
  }

  /** Asleep in a futex wait: on a lock or a condition, not on I/O. */
  boolean blockedOnALock() {
    return state == 'S' && waitChannel.startsWith("futex");
  }
}
