package dev.isolate.internal.worker;

import dev.isolate.internal.wire.CallLimits;
import dev.isolate.internal.wire.ChildRecord;
import dev.isolate.internal.wire.SetupStep;
import dev.isolate.posix.Errno;
import dev.isolate.posix.NativeBuffer;
import dev.isolate.posix.Signals;
import dev.isolate.posix.SyscallException;
import dev.isolate.posix.Syscalls;

/**
 * What every child does before its callable: close what is not its own, enter the sandbox, stop
 * sharing the worker's files, take its standard streams, reset signals, die with the worker image,
 * never dump core; then, with its call, set the call's limits. A step that fails is reported as a
 * {@link ChildRecord#SETUP_FAILED} naming it, and the child leaves.
 */
final class ChildSetup {
  private static final int[] SIGNALS_TO_RESET = {
    Signals.SIGTERM, Signals.SIGINT, Signals.SIGHUP, Signals.SIGPIPE, Signals.SIGQUIT
  };

  private static final byte[] VM_SIZE = {'V', 'm', 'S', 'i', 'z', 'e', ':'};

  private final Syscalls syscalls;
  private final NativeBuffer buffer;
  private final ResultWriter results;
  private final int zygotePid;
  private SharedFiles sharedFiles;
  private ChildSandbox sandbox;

  ChildSetup(Syscalls syscalls, NativeBuffer buffer, ResultWriter results, int zygotePid) {
    this.syscalls = syscalls;
    this.buffer = buffer;
    this.results = results;
    this.zygotePid = zygotePid;
    // Loaded now: a child that fails a system call before it stops sharing the worker's jars must
    // not have to load the exception's class, or the step's, from them.
    new SyscallException("warm-up", 0, "").errno();
    SetupStep.values();
    // And a failed system call's own path (errno, strerror), which the binding loads lazily: a
    // child whose close of a descriptor the worker closed since its scan gets EBADF, before it
    // has reopened the jars.
    try {
      syscalls.close(-1);
    } catch (SyscallException expected) {
      expected.errno();
    }
  }

  /** Set once after warm-up: the files a new child must stop sharing with the worker image. */
  void shareFiles(SharedFiles files) {
    sharedFiles = files;
  }

  /** Set once before warm-up, if the isolator has a sandbox: every child enters it. */
  void sandbox(ChildSandbox sandbox) {
    this.sandbox = sandbox;
  }

  /** Takes over the process: from now on it is a child with {@code pipes}. */
  void setUp(ChildPipes pipes) {
    SetupStep step = SetupStep.CLOSE_PIPES;
    try {
      // Nothing before the unsharing below may load a class from a jar: plain system calls only.
      for (int fd : pipes.toClose()) {
        syscalls.close(fd);
      }
      step = SetupStep.SANDBOX;
      if (sandbox != null) {
        // First: whatever the child does next, a spare's wait for its call included, is inside.
        sandbox.enter();
      }
      step = SetupStep.SHARED_FILES;
      if (sharedFiles != null) {
        sharedFiles.unshare(
            syscalls,
            pipes.resultWriteFd(),
            pipes.outWriteFd(),
            pipes.errWriteFd(),
            pipes.requestReadFd());
      }
      step = SetupStep.STANDARD_STREAMS;
      syscalls.dup2(pipes.outWriteFd(), 1);
      syscalls.dup2(pipes.errWriteFd(), 2);
      syscalls.close(pipes.outWriteFd());
      syscalls.close(pipes.errWriteFd());
      step = SetupStep.SIGNALS;
      // HotSpot hands these to its Signal Dispatcher thread, which did not survive the fork.
      for (int signal : SIGNALS_TO_RESET) {
        syscalls.resetSignalToDefault(signal);
      }
      step = SetupStep.PARENT_DEATH_SIGNAL;
      syscalls.setParentDeathSignal(Signals.SIGKILL);
      if (syscalls.getppid() != zygotePid) {
        // The worker image died between fork and prctl: nobody is left to read a result.
        syscalls.exitImmediately(ChildRecord.EXIT_WORKER_GONE);
      }
      step = SetupStep.PROCESS_GROUP;
      // Whatever the callable starts joins this group, and an orphan of it comes back to this
      // child while it runs: when the call ends, the worker image can end them all.
      syscalls.newProcessGroup();
      syscalls.setChildSubreaper();
      step = SetupStep.LIMITS;
      // A crash must not leave a core file of a worker-sized process on the caller's disk.
      syscalls.setResourceLimit(Syscalls.RLIMIT_CORE, 0, 0);
    } catch (SyscallException e) {
      results.useFd(pipes.resultWriteFd());
      failed(step, e.errno());
    }
    results.useFd(pipes.resultWriteFd());
  }

  /** Sets the call's own limits. */
  void applyLimits(CallLimits limits) {
    try {
      if (limits.cpuSeconds() > 0) {
        // SIGXCPU at the soft limit; SIGKILL a second later if the callable ignores it.
        syscalls.setResourceLimit(
            Syscalls.RLIMIT_CPU, limits.cpuSeconds(), limits.cpuSeconds() + 1);
      }
      if (limits.nativeMemoryBytes() > 0) {
        // RLIMIT_AS, not RLIMIT_DATA: HotSpot reserves the whole Java heap as address space at
        // start, so only new mappings (malloc, mmap, thread stacks) count against this budget;
        // RLIMIT_DATA also counts heap pages as they are committed, and HotSpot dies when a
        // commit fails.
        long limit = saturatedAdd(addressSpaceBytes(), limits.nativeMemoryBytes());
        syscalls.setResourceLimit(Syscalls.RLIMIT_AS, limit, limit);
      }
    } catch (SyscallException e) {
      failed(SetupStep.LIMITS, e.errno());
    }
  }

  /** Reports the step that failed and leaves. */
  void failed(SetupStep step, int errno) {
    results.setupFailed(step, errno);
    syscalls.exitImmediately(0);
  }

  private static long saturatedAdd(long a, long b) {
    long sum = a + b;
    return sum < 0 ? Long.MAX_VALUE : sum;
  }

  /**
   * This process's address space ({@code VmSize} of {@code /proc/self/status}), read with plain
   * system calls.
   */
  private long addressSpaceBytes() throws SyscallException {
    int length = ProcFile.read(syscalls, "/proc/self/status", buffer);
    byte[] text = new byte[length];
    buffer.get(0, text, 0, length);
    int at = indexOf(text, VM_SIZE);
    if (at < 0) {
      throw new SyscallException(
          "read /proc/self/status (no VmSize)", Errno.EINVAL, "no VmSize line");
    }
    long kib = 0;
    for (int i = at + VM_SIZE.length; i < length && text[i] != 'k'; i++) {
      if (text[i] >= '0' && text[i] <= '9') {
        kib = kib * 10 + (text[i] - '0');
      }
    }
    return kib * 1024;
  }

  private static int indexOf(byte[] text, byte[] word) {
    outer:
    for (int i = 0; i + word.length <= text.length; i++) {
      for (int j = 0; j < word.length; j++) {
        if (text[i + j] != word[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }
}
