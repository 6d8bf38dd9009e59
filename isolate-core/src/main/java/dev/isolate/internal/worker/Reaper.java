package dev.isolate.internal.worker;

import dev.isolate.internal.wire.WorkerFrame;
import dev.isolate.internal.wire.WorkerStep;
import dev.isolate.posix.Io;
import dev.isolate.posix.PollSet;
import dev.isolate.posix.Signals;
import dev.isolate.posix.SyscallException;
import dev.isolate.posix.Syscalls;
import dev.isolate.posix.Syscalls.WaitResult;
import java.util.List;

/**
 * Reaps children and tells the caller how each ended; kills and discards the ones that must go. A
 * child's pipes are read to their end before it is reported (a large result never deadlocks, and
 * nothing it wrote is lost), and no child is left unreaped (no zombie).
 */
final class Reaper {
  private final Syscalls syscalls;
  private final ProtocolOut out;
  private final List<Child> children;
  private final PollSet single;
  private final Orphans orphans;
  private Relay relay;

  Reaper(Syscalls syscalls, ProtocolOut out, List<Child> children, Orphans orphans) {
    this.syscalls = syscalls;
    this.out = out;
    this.children = children;
    this.orphans = orphans;
    this.single = syscalls.newPollSet(1);
  }

  /** Set once: the relay that drains an exited child's pipes. */
  void drainWith(Relay value) {
    relay = value;
  }

  /** Reaps {@code child} if it has exited, and reports it. */
  void tryReap(Child child) {
    WaitResult result;
    try {
      result = waitpid(child.pid, true);
    } catch (SyscallException e) {
      fail(child, WorkerStep.WAIT, e.errno(), 0);
      return;
    }
    if (result.pid() == 0) {
      return;
    }
    if (result.pid() != child.pid) {
      fail(child, WorkerStep.WAIT_RETURNED_OTHER_PID, 0, result.pid());
      return;
    }
    drainExited(child);
    out.send(
        new WorkerFrame.Exited(
            child.callId,
            child.pid,
            result.status().raw(),
            child.killedAtDeadline,
            child.killedInSetup,
            child.cancelled,
            child.resultTooLarge,
            (int) Math.min(Integer.MAX_VALUE, result.cpuMicros() / 1000),
            (int) Math.min(Integer.MAX_VALUE, result.maxRssKiB()),
            child.dropped[Child.STDOUT],
            child.dropped[Child.STDERR]));
    child.done = true;
    endDescendants(child);
  }

  /**
   * Relays what an exited child left in its pipes. A pipe still open after that is held by a
   * process the child started; it is not waited for.
   */
  private void drainExited(Child child) {
    for (int stream = 0; stream < child.fds.length; stream++) {
      for (int chunks = 0; child.fds[stream] >= 0 && chunks < 4096 && !child.done; chunks++) {
        single.set(0, child.fds[stream], PollSet.POLLIN);
        int ready;
        try {
          ready = syscalls.poll(single, 1, 0);
        } catch (SyscallException e) {
          ready = 0;
        }
        if (ready == 0) {
          break;
        }
        relay.relay(child, stream);
      }
      if (child.done) {
        return;
      }
      if (child.fds[stream] >= 0) {
        closeStream(child, stream);
      }
    }
  }

  /** SIGKILL; the child is reaped and reported like any other. */
  void kill(Child child) {
    try {
      syscalls.kill(child.pid, Signals.SIGKILL);
    } catch (SyscallException e) {
      // ESRCH: it exited on its own just now; the reap reports how.
    }
  }

  /** A system call failed for this child: discard it and tell the caller, unless it is a spare. */
  void fail(Child child, WorkerStep step, int errno, int value) {
    int status = discard(child);
    if (!child.spare()) {
      out.send(
          new WorkerFrame.Failed(
              child.callId,
              step,
              errno,
              child.pid,
              status != -1,
              status == -1 ? 0 : status,
              value));
    }
  }

  /**
   * A call's child is gone: whatever it started goes too. Its process group, which its descendants
   * joined unless they left it, is killed now; those that left it are re-parented to the worker
   * image (a subreaper) as the child exits, and {@link Orphans} finds them.
   */
  private void endDescendants(Child child) {
    if (child.spare()) {
      return;
    }
    try {
      syscalls.kill(-child.pid, Signals.SIGKILL);
    } catch (SyscallException e) {
      // ESRCH: nobody is left in the group.
    }
    orphans.sweepSoon();
  }

  /** Kills and reaps {@code child} and closes its pipes; the raw wait status, or -1. */
  int discard(Child child) {
    int status = killAndReap(child.pid);
    endDescendants(child);
    for (int stream = 0; stream < child.fds.length; stream++) {
      if (child.fds[stream] >= 0) {
        closeStream(child, stream);
      }
    }
    if (child.requestFd >= 0) {
      close(child.requestFd);
      child.requestFd = -1;
    }
    child.done = true;
    return status;
  }

  /** Kills and reaps every child: the caller is gone. */
  void discardAll() {
    for (Child child : children) {
      if (!child.done) {
        discard(child);
      }
    }
    children.clear();
  }

  void closeStream(Child child, int stream) {
    int fd = child.fds[stream];
    child.fds[stream] = -1;
    close(fd);
  }

  void close(int fd) {
    try {
      syscalls.close(fd);
    } catch (SyscallException e) {
      // A pipe end that will not close leaks one descriptor; the call itself is unaffected.
    }
  }

  /** SIGKILL, then a blocking reap: a killed child exits at once. The raw wait status, or -1. */
  private int killAndReap(int pid) {
    try {
      syscalls.kill(pid, Signals.SIGKILL);
    } catch (SyscallException e) {
      // ESRCH: already reaped elsewhere; waitpid below says so.
    }
    try {
      WaitResult result = waitpid(pid, false);
      return result.pid() == pid ? result.status().raw() : -1;
    } catch (SyscallException e) {
      return -1;
    }
  }

  private WaitResult waitpid(int pid, boolean noHang) throws SyscallException {
    return Io.retryOnEintr(() -> syscalls.waitpid(pid, noHang));
  }
}
