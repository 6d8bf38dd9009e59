package dev.isolate.internal.worker;

import dev.isolate.posix.PollSet;
import dev.isolate.posix.SyscallException;
import dev.isolate.posix.Syscalls;
import java.util.List;

/**
 * The one {@code poll} of the zygote: the protocol input first, then every open pipe of every
 * child, with which child and stream each slot is.
 */
final class PollTable {
  private final Syscalls syscalls;
  private PollSet set;
  private int[] slotChild;
  private int[] slotStream;

  PollTable(Syscalls syscalls) {
    this.syscalls = syscalls;
    grow(64);
  }

  /** Fills the set for this turn; returns how many slots it uses. */
  int prepare(int protocolIn, List<Child> children) {
    int needed = 1 + 3 * children.size();
    if (needed > set.capacity()) {
      grow(needed * 2);
    }
    int slot = 0;
    set.set(slot, protocolIn, PollSet.POLLIN);
    slotChild[slot++] = -1;
    for (int c = 0; c < children.size(); c++) {
      int[] fds = children.get(c).fds;
      for (int stream = 0; stream < fds.length; stream++) {
        if (fds[stream] >= 0) {
          set.set(slot, fds[stream], PollSet.POLLIN);
          slotChild[slot] = c;
          slotStream[slot++] = stream;
        }
      }
    }
    return slot;
  }

  int poll(int count, int timeoutMillis) throws SyscallException {
    return syscalls.poll(set, count, timeoutMillis);
  }

  boolean ready(int slot) {
    return set.revents(slot) != 0;
  }

  /** The child of {@code slot}, or null for the protocol input. */
  Child child(int slot, List<Child> children) {
    return slotChild[slot] < 0 ? null : children.get(slotChild[slot]);
  }

  int stream(int slot) {
    return slotStream[slot];
  }

  private void grow(int capacity) {
    set = syscalls.newPollSet(capacity);
    slotChild = new int[capacity];
    slotStream = new int[capacity];
  }
}
