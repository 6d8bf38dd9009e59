package dev.isolate.internal.worker;

import dev.isolate.internal.wire.ChildRecord;
import dev.isolate.internal.wire.WorkerStep;
import dev.isolate.posix.ForkResult;
import dev.isolate.posix.Pipe;
import dev.isolate.posix.SyscallException;
import dev.isolate.posix.Syscalls;
import java.util.Arrays;
import java.util.List;

/**
 * Forks children with their pipes: result, standard output and error, and a spare's request pipe.
 * In the child, hands over to the {@link ChildRunner} and never returns; in the worker image,
 * closes the child's ends and returns the new {@link Child}.
 */
final class Forker {
  /**
   * The capacity asked of each result pipe: large values cross in few, large copies rather than in
   * many wake-ups of the zygote (64 KiB pipes gave 200 MB/s).
   */
  static final int PIPE_BYTES = 1024 * 1024;

  private final Syscalls syscalls;
  private final ChildRunner runner;
  private final List<Child> children;
  private final int[] protocolFds;
  private final PageTables pageTables;

  /**
   * A system call of the fork path failed. Before the fork nothing is left open; after it ({@link
   * WorkerStep#CLOSE_CHILD_ENDS}), {@link #child} is in the table and must be discarded.
   */
  static final class ForkFailure extends Exception {
    private static final long serialVersionUID = 1L;
    final WorkerStep step;
    final int errno;
    final transient Child child;

    ForkFailure(WorkerStep step, SyscallException cause, Child child) {
      super(cause.getMessage(), null, false, false);
      this.step = step;
      this.errno = cause.errno();
      this.child = child;
    }
  }

  Forker(Syscalls syscalls, ChildRunner runner, List<Child> children, int... protocolFds) {
    this.syscalls = syscalls;
    this.runner = runner;
    this.children = children;
    this.protocolFds = protocolFds;
    this.pageTables = new PageTables(syscalls);
  }

  /**
   * Forks a child for the call whose request is {@code length} bytes at {@code offset} of {@code
   * request}; the child inherits the request in memory.
   */
  Child forkForCall(long callId, byte[] request, int offset, int length) throws ForkFailure {
    return fork(callId, open(false), pipes -> runner.runChild(request, offset, length, pipes));
  }

  /** Forks a spare: a child that sets itself up now and waits on its request pipe for a call. */
  Child forkSpare() throws ForkFailure {
    return fork(Child.SPARE, open(true), runner::runSpare);
  }

  /** What a new child runs; it never returns. */
  private interface ChildBody {
    void run(ChildPipes pipes);
  }

  private Child fork(long callId, NewPipes pipes, ChildBody body) throws ForkFailure {
    // Made before the fork: the child must not allocate a new kind of object before it stops
    // sharing the worker's jar descriptors.
    ChildPipes childPipes = pipes.forChild();
    ForkResult forked;
    try {
      forked = syscalls.fork();
    } catch (SyscallException e) {
      pipes.closeAll();
      throw new ForkFailure(WorkerStep.FORK, e, null);
    }
    if (forked instanceof ForkResult.Child) {
      try {
        body.run(childPipes);
      } catch (Throwable escaped) {
        // Onto the child's standard error, which the caller keeps: the one trace of what it was.
        try {
          escaped.printStackTrace();
          System.err.flush();
        } catch (Throwable ignored) {
          // Nothing more can be said.
        }
      } finally {
        // Whatever escaped the child runner must not return into the zygote's loop in a child.
        syscalls.exitImmediately(ChildRecord.EXIT_CHILD_ESCAPED);
      }
    }
    Child child = pipes.adopt(callId, ((ForkResult.Parent) forked).childPid());
    pageTables.forked();
    return child;
  }

  /** Opens them all, or none: on a failure, closes what it opened. */
  private NewPipes open(boolean spare) throws ForkFailure {
    Pipe[] opened = new Pipe[4];
    try {
      opened[0] = syscalls.pipe();
      opened[1] = syscalls.pipe();
      opened[2] = syscalls.pipe();
      if (spare) {
        opened[3] = syscalls.pipe();
        // A request that does not fit is written partly and the spare discarded, never waited on.
        syscalls.setNonBlocking(opened[3].writeFd());
      }
    } catch (SyscallException e) {
      for (Pipe pipe : opened) {
        closeQuietly(pipe);
      }
      throw new ForkFailure(WorkerStep.PIPE, e, null);
    }
    widen(syscalls, opened[0].readFd());
    return new NewPipes(opened[0], opened[1], opened[2], opened[3]);
  }

  /** Asks for a pipe of {@link #PIPE_BYTES}; the default 64 KiB serves too, only more slowly. */
  static void widen(Syscalls syscalls, int pipe) {
    try {
      syscalls.setPipeSize(pipe, PIPE_BYTES);
    } catch (SyscallException e) {
      // Above pipe-max-size, or the user's pipe budget is spent: keep what the kernel gave.
    }
  }

  private void closeQuietly(Pipe pipe) {
    if (pipe != null) {
      closeQuietly(pipe.readFd());
      closeQuietly(pipe.writeFd());
    }
  }

  private void closeQuietly(int fd) {
    try {
      syscalls.close(fd);
    } catch (SyscallException e) {
      // Cleaning up after an earlier failure, which is the one reported.
    }
  }

  /** A new child's pipes, from their opening to the child's adoption into the table. */
  private final class NewPipes {
    final Pipe result;
    final Pipe out;
    final Pipe err;

    /** Null for a child forked for a call already in memory. */
    final Pipe request;

    NewPipes(Pipe result, Pipe out, Pipe err, Pipe request) {
      this.result = result;
      this.out = out;
      this.err = err;
      this.request = request;
    }

    ChildPipes forChild() {
      return new ChildPipes(
          result.writeFd(),
          out.writeFd(),
          err.writeFd(),
          request == null ? -1 : request.readFd(),
          descriptorsNotForChild());
    }

    /**
     * Everything the child must close: the worker's ends of its own pipes, the protocol, and every
     * other child's pipes.
     */
    private int[] descriptorsNotForChild() {
      int[] fds = new int[4 + protocolFds.length + 4 * children.size()];
      int n = 0;
      fds[n++] = result.readFd();
      fds[n++] = out.readFd();
      fds[n++] = err.readFd();
      if (request != null) {
        fds[n++] = request.writeFd();
      }
      for (int fd : protocolFds) {
        fds[n++] = fd;
      }
      for (Child other : children) {
        for (int fd : other.fds) {
          if (fd >= 0) {
            fds[n++] = fd;
          }
        }
        if (other.requestFd >= 0) {
          fds[n++] = other.requestFd;
        }
      }
      return Arrays.copyOf(fds, n);
    }

    void closeAll() {
      closeQuietly(request);
      closeQuietly(result);
      closeQuietly(out);
      closeQuietly(err);
    }

    /**
     * After the fork, the worker's copies of the child's ends must go, or end of file never comes.
     * A close that fails leaves the child in the table, and discarded, with the failure reported.
     */
    Child adopt(long callId, int pid) throws ForkFailure {
      Child child =
          new Child(
              callId,
              pid,
              result.readFd(),
              out.readFd(),
              err.readFd(),
              request == null ? -1 : request.writeFd());
      children.add(child);
      SyscallException failure = null;
      if (request != null) {
        failure = close(request.readFd(), failure);
      }
      failure = close(result.writeFd(), failure);
      failure = close(out.writeFd(), failure);
      failure = close(err.writeFd(), failure);
      if (failure != null) {
        throw new ForkFailure(WorkerStep.CLOSE_CHILD_ENDS, failure, child);
      }
      return child;
    }

    private SyscallException close(int fd, SyscallException earlier) {
      try {
        syscalls.close(fd);
        return earlier;
      } catch (SyscallException e) {
        return earlier == null ? e : earlier;
      }
    }
  }
}
