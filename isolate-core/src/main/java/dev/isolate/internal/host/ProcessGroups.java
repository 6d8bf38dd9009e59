package dev.isolate.internal.host;

import dev.isolate.posix.Signals;
import dev.isolate.posix.SyscallException;
import dev.isolate.posix.Syscalls;
import java.util.Collection;

/**
 * What the caller does for the descendants of a worker image that died: each child in flight led a
 * process group, which what it started joined; the child itself died with the worker image ({@code
 * PR_SET_PDEATHSIG}), but a process it started, re-parented to init, would live on.
 */
final class ProcessGroups {
  private ProcessGroups() {}

  /**
   * Kills the process group of the child of each call. A group id is reused only once the group is
   * empty, so this reaches the child's descendants or nobody.
   */
  static void killAll(Collection<InFlightCall> calls) {
    Syscalls syscalls;
    try {
      syscalls = Syscalls.system();
    } catch (UnsupportedOperationException e) {
      return;
    }
    for (InFlightCall call : calls) {
      if (call.childPid > 0) {
        try {
          syscalls.kill(-call.childPid, Signals.SIGKILL);
        } catch (SyscallException e) {
          // ESRCH: the group is empty.
        }
      }
    }
  }
}
