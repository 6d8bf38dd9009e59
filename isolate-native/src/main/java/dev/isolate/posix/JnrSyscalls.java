package dev.isolate.posix;

import jnr.ffi.LastError;
import jnr.ffi.LibraryLoader;
import jnr.ffi.Memory;
import jnr.ffi.Platform;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;
import jnr.ffi.annotations.IgnoreError;
import jnr.ffi.annotations.Out;
import jnr.ffi.annotations.SaveError;

/** The real {@link Syscalls}: glibc through jnr-ffi. */
final class JnrSyscalls implements Syscalls {

  /** The subset of libc isolate binds; every call that can fail saves errno. */
  @SaveError
  public interface LibC {
    int fork();

    @IgnoreError
    void _exit(int status);

    int pipe2(@Out int[] fds, int flags);

    // The buffer is passed as an address: a sliced Pointer would be an allocation per call, which
    // the
    // worker image never gets back, and which fails in a child whose heap is full.
    long read(int fd, long buffer, long count);

    long write(int fd, long buffer, long count);

    int close(int fd);

    int dup(int fd);

    int dup2(int from, int to);

    int fcntl(int fd, int command, int argument);

    int open(String path, int flags);

    int open(long path, int flags);

    int poll(Pointer fds, long count, int timeoutMillis);

    int wait4(int pid, @Out int[] status, int options, Pointer usage);

    int kill(int pid, int signal);

    int prctl(int option, long arg2, long arg3, long arg4, long arg5);

    int setrlimit(int resource, Pointer limit);

    Pointer signal(int signal, Pointer handler);

    @IgnoreError
    int getpid();

    @IgnoreError
    int getppid();

    int setpgid(int pid, int pgid);

    @IgnoreError
    long syscall(long number);

    /**
     * glibc's variadic {@code syscall} with four arguments after the number, enough for Landlock
     * and seccomp. Five parameters on purpose: jnr-ffi 2.3.4's x86-64 stubs pass the sixth
     * parameter of a six-parameter function wrongly (jnr/jnr-ffi#181), and seven take jnr's generic
     * path, which allocates on every call. Variadic integer arguments travel like fixed ones on
     * x86-64 and aarch64 Linux, and glibc's syscall ignores {@code %al}.
     */
    long syscall(long number, long a1, long a2, long a3, long a4);

    @IgnoreError
    String strerror(int errno);
  }

  private static final int WNOHANG = 1;
  private static final int F_GETFL = 3;
  private static final int F_SETFL = 4;
  private static final int F_SETPIPE_SZ = 1031;
  private static final int O_NONBLOCK = 0x800;

  /** {@code struct rusage} on 64-bit Linux: two timevals, then longs, ru_maxrss first. */
  private static final int RUSAGE_BYTES = 144;

  private static final int RU_UTIME = 0;
  private static final int RU_STIME = 16;
  private static final int RU_MAXRSS = 32;
  private static final int PR_SET_PDEATHSIG = 1;
  private static final int PR_SET_CHILD_SUBREAPER = 36;

  /** {@code SYS_gettid}: glibc 2.30 has gettid(), but older ones do not. */
  private static final long SYS_GETTID =
      Platform.getNativePlatform().getCPU() == Platform.CPU.AARCH64 ? 178 : 186;

  private static final Object LOADED = load();

  /**
   * Made before any fork: after one, loading a class is a hazard (see the worker's SharedFiles), so
   * fork() must not need a class it has not loaded yet.
   */
  private static final ForkResult CHILD = new ForkResult.Child();

  static {
    // Loads ForkResult.Parent now, for the same reason.
    new ForkResult.Parent(1).childPid();
  }

  private final LibC libc;
  private final Runtime runtime;

  /**
   * One {@code struct rusage} per thread, reused: the worker image reaps on one thread with a heap
   * that is never collected, so memory allocated per call would never come back.
   */
  private final ThreadLocal<Pointer> rusage;

  private JnrSyscalls(LibC libc) {
    this.libc = libc;
    this.runtime = Runtime.getRuntime(libc);
    this.rusage = ThreadLocal.withInitial(() -> Memory.allocateDirect(runtime, RUSAGE_BYTES, true));
  }

  static Syscalls instance() {
    return binding();
  }

  /**
   * The binding itself, for the sandbox classes of this package: their calls are not on {@link
   * Syscalls}, so that the test doubles that wrap it need not know them.
   *
   * @throws UnsupportedOperationException off Linux, or when libc cannot be bound, saying why
   */
  static JnrSyscalls binding() {
    if (LOADED instanceof JnrSyscalls syscalls) {
      return syscalls;
    }
    throw new UnsupportedOperationException((String) LOADED);
  }

  /**
   * Either the binding or the reason there is none; a failed load is reported on every use, not
   * once.
   */
  private static Object load() {
    Platform platform = Platform.getNativePlatform();
    if (platform.getOS() != Platform.OS.LINUX) {
      return "isolate forks processes through Linux system calls; this is "
          + System.getProperty("os.name")
          + " "
          + System.getProperty("os.arch")
          + ". Run it on Linux (x86_64 or aarch64).";
    }
    try {
      return new JnrSyscalls(
          LibraryLoader.create(LibC.class).load(platform.getStandardCLibraryName()));
    } catch (LinkageError | RuntimeException e) {
      return "isolate could not bind libc through jnr-ffi: " + e;
    }
  }

  private SyscallException failure(String call) {
    int errno = LastError.getLastError(runtime);
    return new SyscallException(call, errno, libc.strerror(errno));
  }

  /**
   * {@code syscall(number, a1, a2, a3, a4)}: its non-negative result, or a failure named {@code
   * call}. Allocates nothing unless it fails, so a forked child can make it with a full heap.
   */
  long syscall(String call, long number, long a1, long a2, long a3, long a4)
      throws SyscallException {
    long result = libc.syscall(number, a1, a2, a3, a4);
    if (result < 0) {
      throw failure(call);
    }
    return result;
  }

  /**
   * {@code prctl(option, a2, a3, a4, a5)}: its non-negative result, or a failure named {@code
   * call}.
   */
  int prctl(String call, int option, long a2, long a3, long a4, long a5) throws SyscallException {
    int result = libc.prctl(option, a2, a3, a4, a5);
    if (result < 0) {
      throw failure(call);
    }
    return result;
  }

  /** Zeroed native memory that the GC never moves; freed once the pointer is unreachable. */
  Pointer allocateDirect(int bytes) {
    return Memory.allocateDirect(runtime, bytes, true);
  }

  @Override
  public NativeBuffer allocate(int capacity) {
    return new NativeBuffer(Memory.allocateDirect(runtime, capacity), capacity);
  }

  @Override
  public PollSet newPollSet(int capacity) {
    return new PollSet(Memory.allocateDirect(runtime, PollSet.bytesFor(capacity)), capacity);
  }

  @Override
  public ForkResult fork() throws SyscallException {
    int pid = libc.fork();
    if (pid < 0) {
      throw failure("fork");
    }
    return pid == 0 ? CHILD : new ForkResult.Parent(pid);
  }

  @Override
  public void exitImmediately(int status) {
    libc._exit(status);
    throw new AssertionError("_exit returned");
  }

  @Override
  public Pipe pipe() throws SyscallException {
    int[] fds = new int[2];
    if (libc.pipe2(fds, O_CLOEXEC) != 0) {
      throw failure("pipe2");
    }
    return new Pipe(fds[0], fds[1]);
  }

  @Override
  public int read(int fd, NativeBuffer buffer, int offset, int length) throws SyscallException {
    checkRange(buffer, offset, length);
    long n = libc.read(fd, buffer.pointer().address() + offset, length);
    if (n < 0) {
      throw failure("read");
    }
    return (int) n;
  }

  @Override
  public int write(int fd, NativeBuffer buffer, int offset, int length) throws SyscallException {
    checkRange(buffer, offset, length);
    long n = libc.write(fd, buffer.pointer().address() + offset, length);
    if (n < 0) {
      throw failure("write");
    }
    return (int) n;
  }

  private static void checkRange(NativeBuffer buffer, int offset, int length) {
    if (offset < 0 || length < 0 || offset > buffer.capacity() - length) {
      throw new IndexOutOfBoundsException(
          "range ["
              + offset
              + ", "
              + offset
              + " + "
              + length
              + ") outside a buffer of "
              + buffer.capacity());
    }
  }

  @Override
  public void close(int fd) throws SyscallException {
    if (libc.close(fd) != 0) {
      throw failure("close");
    }
  }

  @Override
  public int dup(int fd) throws SyscallException {
    int copy = libc.dup(fd);
    if (copy < 0) {
      throw failure("dup");
    }
    return copy;
  }

  @Override
  public void dup2(int from, int to) throws SyscallException {
    if (libc.dup2(from, to) < 0) {
      throw failure("dup2");
    }
  }

  @Override
  public int open(NativeBuffer path, int offset, int flags) throws SyscallException {
    checkRange(path, offset, 1);
    int fd = libc.open(path.pointer().address() + offset, flags);
    if (fd < 0) {
      throw failure("open");
    }
    return fd;
  }

  @Override
  public int setPipeSize(int fd, int bytes) throws SyscallException {
    int size = libc.fcntl(fd, F_SETPIPE_SZ, bytes);
    if (size < 0) {
      throw failure("fcntl(F_SETPIPE_SZ)");
    }
    return size;
  }

  @Override
  public void setNonBlocking(int fd) throws SyscallException {
    int flags = libc.fcntl(fd, F_GETFL, 0);
    if (flags < 0 || libc.fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) {
      throw failure("fcntl(O_NONBLOCK)");
    }
  }

  @Override
  public int open(String path, int flags) throws SyscallException {
    int fd = libc.open(path, flags);
    if (fd < 0) {
      throw failure("open " + path);
    }
    return fd;
  }

  @Override
  public int poll(PollSet set, int count, int timeoutMillis) throws SyscallException {
    if (count < 0 || count > set.capacity()) {
      throw new IndexOutOfBoundsException(count + " entries of a poll set of " + set.capacity());
    }
    int ready = libc.poll(set.pointer(), count, timeoutMillis);
    if (ready < 0) {
      throw failure("poll");
    }
    return ready;
  }

  @Override
  public WaitResult waitpid(int pid, boolean noHang) throws SyscallException {
    int[] status = new int[1];
    Pointer usage = rusage.get();
    int reaped = libc.wait4(pid, status, noHang ? WNOHANG : 0, usage);
    if (reaped < 0) {
      throw failure("wait4");
    }
    if (reaped == 0) {
      return new WaitResult(0, new WaitStatus(status[0]));
    }
    long cpuMicros = microseconds(usage, RU_UTIME) + microseconds(usage, RU_STIME);
    return new WaitResult(reaped, new WaitStatus(status[0]), cpuMicros, usage.getLong(RU_MAXRSS));
  }

  private static long microseconds(Pointer timeval, int offset) {
    return timeval.getLong(offset) * 1_000_000L + timeval.getLong(offset + 8);
  }

  @Override
  public void kill(int pid, int signal) throws SyscallException {
    if (libc.kill(pid, signal) != 0) {
      throw failure("kill");
    }
  }

  @Override
  public void setParentDeathSignal(int signal) throws SyscallException {
    if (libc.prctl(PR_SET_PDEATHSIG, signal, 0, 0, 0) != 0) {
      throw failure("prctl(PR_SET_PDEATHSIG)");
    }
  }

  @Override
  public void setResourceLimit(int resource, long soft, long hard) throws SyscallException {
    Pointer limit = Memory.allocateDirect(runtime, 16);
    limit.putLong(0, soft);
    limit.putLong(8, hard);
    if (libc.setrlimit(resource, limit) != 0) {
      throw failure("setrlimit");
    }
  }

  @Override
  public void resetSignalToDefault(int signal) throws SyscallException {
    Pointer previous = libc.signal(signal, null);
    // SIG_ERR is (void (*)(int)) -1.
    if (previous != null && previous.address() == -1L) {
      throw failure("signal");
    }
  }

  @Override
  public int getpid() {
    return libc.getpid();
  }

  @Override
  public void setChildSubreaper() throws SyscallException {
    if (libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0) {
      throw failure("prctl(PR_SET_CHILD_SUBREAPER)");
    }
  }

  @Override
  public void newProcessGroup() throws SyscallException {
    if (libc.setpgid(0, 0) != 0) {
      throw failure("setpgid");
    }
  }

  @Override
  public int gettid() {
    return (int) libc.syscall(SYS_GETTID);
  }

  @Override
  public int getppid() {
    return libc.getppid();
  }
}
