package dev.isolate.posix;

/**
 * The system calls isolate makes, one method per call, each returning a typed result or throwing a
 * {@link SyscallException} that carries {@code errno}.
 *
 * <p>There is one real implementation, {@link #system()}. Code that makes system calls takes a
 * {@code Syscalls} in its constructor so that tests can wrap the real one and make chosen calls
 * fail; nothing switches implementations globally.
 *
 * <p>No method retries on {@code EINTR}: callers decide, because only they know whether a retry is
 * safe.
 */
public interface Syscalls {

  /** {@code O_RDONLY} for {@link #open}. */
  int O_RDONLY = 0;

  /** {@code O_CLOEXEC} for {@link #open}. */
  int O_CLOEXEC = 0x80000;

  /** {@code RLIMIT_CPU}: CPU seconds. */
  int RLIMIT_CPU = 0;

  /** {@code RLIMIT_CORE}: core file bytes. */
  int RLIMIT_CORE = 4;

  /** {@code RLIMIT_AS}: address space bytes. */
  int RLIMIT_AS = 9;

  /**
   * The libc binding of this machine, loaded once.
   *
   * @throws UnsupportedOperationException off Linux, or when libc cannot be bound, saying why
   */
  static Syscalls system() {
    return JnrSyscalls.instance();
  }

  /**
   * Native memory of {@code capacity} bytes for {@link #read}/{@link #write}, never moved by the
   * GC.
   */
  NativeBuffer allocate(int capacity);

  /** An array of {@code struct pollfd} for {@link #poll}. */
  PollSet newPollSet(int capacity);

  /** {@code fork()}. */
  ForkResult fork() throws SyscallException;

  /**
   * {@code _exit(status)}: ends this process at once, without shutdown hooks, finalizers or buffer
   * flushing. Never returns.
   */
  void exitImmediately(int status);

  /** {@code pipe2(O_CLOEXEC)}. */
  Pipe pipe() throws SyscallException;

  /** {@code read(fd, buffer + offset, length)}: the byte count, 0 at end of file. */
  int read(int fd, NativeBuffer buffer, int offset, int length) throws SyscallException;

  /**
   * {@code write(fd, buffer + offset, length)}: the byte count written, possibly fewer than asked.
   */
  int write(int fd, NativeBuffer buffer, int offset, int length) throws SyscallException;

  /** {@code close(fd)}. */
  void close(int fd) throws SyscallException;

  /** {@code dup(fd)}: a new descriptor for the same file. */
  int dup(int fd) throws SyscallException;

  /** {@code dup2(from, to)}. */
  void dup2(int from, int to) throws SyscallException;

  /**
   * Sets {@code O_NONBLOCK} on {@code fd}'s open file description: a write that does not fit then
   * writes what fits, or fails with {@code EAGAIN}, instead of waiting for a reader.
   */
  void setNonBlocking(int fd) throws SyscallException;

  /**
   * {@code fcntl(fd, F_SETPIPE_SZ, bytes)}: the pipe's capacity, at least {@code bytes} rounded up
   * to pages; fails with {@code EPERM} above {@code /proc/sys/fs/pipe-max-size} for an unprivileged
   * process.
   *
   * @return the capacity set
   */
  int setPipeSize(int fd, int bytes) throws SyscallException;

  /** {@code open(path, flags)}. */
  int open(String path, int flags) throws SyscallException;

  /**
   * {@code open(path, flags)} of the NUL-terminated path at {@code offset} in {@code path}: no
   * string is encoded per call, which in an interpreted child is most of the cost of opening a
   * file.
   */
  int open(NativeBuffer path, int offset, int flags) throws SyscallException;

  /** {@code poll(set, count, timeoutMillis)}: the number of ready entries, 0 on timeout. */
  int poll(PollSet set, int count, int timeoutMillis) throws SyscallException;

  /**
   * {@code wait4(pid, &status, noHang ? WNOHANG : 0, &usage)}: waitpid, plus what the reaped child
   * used.
   *
   * @return what wait4 returned: the pid it reaped (or 0 with {@code noHang} when the child still
   *     runs), the status and the resource usage it stored
   */
  WaitResult waitpid(int pid, boolean noHang) throws SyscallException;

  /** {@code kill(pid, signal)}. */
  void kill(int pid, int signal) throws SyscallException;

  /**
   * {@code prctl(PR_SET_PDEATHSIG, signal)}: this process gets {@code signal} when the thread that
   * forked it ends.
   */
  void setParentDeathSignal(int signal) throws SyscallException;

  /** {@code setrlimit(resource, {soft, hard})}. */
  void setResourceLimit(int resource, long soft, long hard) throws SyscallException;

  /** {@code signal(signal, SIG_DFL)}. */
  void resetSignalToDefault(int signal) throws SyscallException;

  /** {@code getpid()}: never cached, so a forked child sees its own pid. */
  int getpid();

  /** {@code getppid()}. */
  int getppid();

  /** {@code gettid()}: the calling thread's id, which is the pid for a process's first thread. */
  int gettid();

  /**
   * {@code prctl(PR_SET_CHILD_SUBREAPER, 1)}: orphaned descendants of this process are re-parented
   * to it, not to init, so that it can find and end them.
   */
  void setChildSubreaper() throws SyscallException;

  /**
   * {@code setpgid(0, 0)}: this process leads a process group of its own, which its children join.
   */
  void newProcessGroup() throws SyscallException;

  /**
   * What {@link #waitpid} returned: the reaped pid, its wait status, the CPU time it used (user
   * plus system, in microseconds) and its peak resident set size in KiB. Usage is zero when nothing
   * was reaped.
   */
  record WaitResult(int pid, WaitStatus status, long cpuMicros, long maxRssKiB) {
    /** A result without resource usage. */
    public WaitResult(int pid, WaitStatus status) {
      this(pid, status, 0, 0);
    }
  }
}
