package dev.isolate;

import dev.isolate.posix.ForkResult;
import dev.isolate.posix.NativeBuffer;
import dev.isolate.posix.Pipe;
import dev.isolate.posix.PollSet;
import dev.isolate.posix.SyscallException;
import dev.isolate.posix.Syscalls;
import java.util.concurrent.locks.LockSupport;

/**
 * The real system calls, except that the first call of one kind fails with a chosen errno — in the
 * worker image or in a child — the way the kernel would report it; or, for errno -1, never returns
 * (asleep in {@code poll}), and for errno -2 never returns (asleep on a lock, in {@code futex}).
 * Side "child" fails the first child only, "children" every child. Calls on the protocol
 * descriptors are never failed: the faults target the per-call path.
 */
final class FaultySyscalls implements Syscalls {
  private final Syscalls real;
  private final String call;
  private final int errno;
  private final boolean inChild;
  private final boolean everyChild;
  private final int zygotePid;
  private final int[] protocolFds;
  private boolean fired;

  /**
   * Set once the first call arrives, so that the warm-up runs without faults: the protocol's first
   * read brings the worker image's settings, before its warm-up; the calls come after it is ready.
   */
  private boolean armed;

  private int protocolReads;

  /**
   * Forks since arming, counted in each process's own copy: a child's fault fires in the first
   * child only.
   */
  private int armedForks;

  FaultySyscalls(Syscalls real, String call, int errno, String side, int... protocolFds) {
    this.real = real;
    this.call = call;
    this.errno = errno;
    this.inChild = !side.equals("parent");
    this.everyChild = side.equals("children");
    this.zygotePid = real.getpid();
    this.protocolFds = protocolFds;
  }

  /** Whether this call, on this descriptor, in this process, is the one to fail. */
  private void maybeFail(String name, int fd) throws SyscallException {
    if (!armed || fired || !call.equals(name) || isProtocol(fd)) {
      return;
    }
    boolean child = real.getpid() != zygotePid;
    if (child != inChild || (child && armedForks != 1 && !everyChild)) {
      return;
    }
    fired = true;
    if (errno == -1) {
      // A call that never returns: sleep in poll() on nothing until killed.
      PollSet nothing = real.newPollSet(1);
      while (true) {
        real.poll(nothing, 0, -1);
      }
    }
    if (errno == -2) {
      // Never returns, asleep on a lock no one will release, as a child is after a fork at the
      // wrong instant.
      while (true) {
        LockSupport.park();
      }
    }
    throw new SyscallException(name, errno, "injected by FaultySyscalls");
  }

  private boolean isProtocol(int fd) {
    for (int p : protocolFds) {
      if (p == fd) {
        return true;
      }
    }
    return false;
  }

  @Override
  public NativeBuffer allocate(int capacity) {
    return real.allocate(capacity);
  }

  @Override
  public PollSet newPollSet(int capacity) {
    return real.newPollSet(capacity);
  }

  @Override
  public ForkResult fork() throws SyscallException {
    maybeFail("fork", -1);
    ForkResult result = real.fork();
    if (armed) {
      armedForks++;
    }
    return result;
  }

  @Override
  public void exitImmediately(int status) {
    real.exitImmediately(status);
  }

  @Override
  public Pipe pipe() throws SyscallException {
    maybeFail("pipe", -1);
    return real.pipe();
  }

  @Override
  public int read(int fd, NativeBuffer buffer, int offset, int length) throws SyscallException {
    maybeFail("read", fd);
    int n = real.read(fd, buffer, offset, length);
    if (fd == protocolFds[0] && n > 0 && ++protocolReads == 2) {
      armed = true;
    }
    return n;
  }

  @Override
  public int write(int fd, NativeBuffer buffer, int offset, int length) throws SyscallException {
    maybeFail("write", fd);
    return real.write(fd, buffer, offset, length);
  }

  @Override
  public void close(int fd) throws SyscallException {
    maybeFail("close", fd);
    real.close(fd);
  }

  @Override
  public int dup(int fd) throws SyscallException {
    return real.dup(fd);
  }

  @Override
  public void dup2(int from, int to) throws SyscallException {
    maybeFail("dup2", from);
    real.dup2(from, to);
  }

  @Override
  public int setPipeSize(int fd, int bytes) throws SyscallException {
    return real.setPipeSize(fd, bytes);
  }

  @Override
  public void setNonBlocking(int fd) throws SyscallException {
    maybeFail("fcntl", fd);
    real.setNonBlocking(fd);
  }

  @Override
  public int open(String path, int flags) throws SyscallException {
    return real.open(path, flags);
  }

  @Override
  public int open(NativeBuffer path, int offset, int flags) throws SyscallException {
    return real.open(path, offset, flags);
  }

  @Override
  public int poll(PollSet set, int count, int timeoutMillis) throws SyscallException {
    return real.poll(set, count, timeoutMillis);
  }

  @Override
  public WaitResult waitpid(int pid, boolean noHang) throws SyscallException {
    maybeFail("waitpid", -1);
    if (armed
        && !fired
        && call.equals("waitpid-other-pid")
        && real.getpid() == zygotePid
        && pid > 0) {
      WaitResult result = real.waitpid(pid, noHang);
      if (result.pid() == pid) {
        fired = true;
        // The child is reaped for real; the worker is told another pid came back.
        return new WaitResult(pid + 100_000, result.status());
      }
      return result;
    }
    return real.waitpid(pid, noHang);
  }

  @Override
  public void kill(int pid, int signal) throws SyscallException {
    real.kill(pid, signal);
  }

  @Override
  public void setParentDeathSignal(int signal) throws SyscallException {
    maybeFail("prctl", -1);
    real.setParentDeathSignal(signal);
  }

  @Override
  public void setResourceLimit(int resource, long soft, long hard) throws SyscallException {
    real.setResourceLimit(resource, soft, hard);
  }

  @Override
  public void resetSignalToDefault(int signal) throws SyscallException {
    real.resetSignalToDefault(signal);
  }

  @Override
  public int getpid() {
    return real.getpid();
  }

  @Override
  public int getppid() {
    return real.getppid();
  }

  @Override
  public int gettid() {
    return real.gettid();
  }

  @Override
  public void setChildSubreaper() throws SyscallException {
    maybeFail("subreaper", -1);
    real.setChildSubreaper();
  }

  @Override
  public void newProcessGroup() throws SyscallException {
    maybeFail("setpgid", -1);
    real.newProcessGroup();
  }
}
