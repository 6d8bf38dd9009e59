package dev.isolate.posix;

import java.util.Optional;
import jnr.ffi.Pointer;

/**
 * Installs a {@link SeccompPolicy} as a seccomp filter. The program is built and written to native
 * memory ahead, by {@link #prepare}, so that a forked child only makes the one system call.
 *
 * <p>A filter applies to the thread that installs it and to the threads and children it makes
 * afterwards. Installed in a forked child, whose only thread is the one that forked, it covers the
 * whole process. It can never be removed.
 */
public final class SeccompFilter {
  private static final int SECCOMP_SET_MODE_FILTER = 1;
  private static final int SECCOMP_GET_ACTION_AVAIL = 2;
  private static final int PR_GET_SECCOMP = 21;

  /**
   * {@code sizeof(struct sock_fprog)}: {@code u16 len}, padding, {@code sock_filter *filter @8}.
   */
  private static final int FPROG_BYTES = 16;

  private static final int FPROG_FILTER = 8;

  private static final int[] ACTIONS_USED = {
    SeccompPolicy.RET_KILL_PROCESS, SeccompPolicy.RET_ERRNO, SeccompPolicy.RET_ALLOW
  };

  private SeccompFilter() {}

  /** Whether {@link #prepare} and {@link Prepared#installOnCurrentThread} can work here. */
  public static boolean supported() {
    return whyUnsupported().isEmpty();
  }

  /**
   * Why seccomp filters cannot be used here, or empty if they can: the arch must be known (x86_64
   * or aarch64), and the kernel must have seccomp filters and the actions the filter returns
   * ({@code SECCOMP_RET_KILL_PROCESS} needs Linux 4.14).
   */
  public static Optional<String> whyUnsupported() {
    Optional<Arch> arch = Arch.current();
    if (arch.isEmpty()) {
      return Optional.of(
          "the seccomp filter knows the system calls of x86_64 and aarch64 Linux; this is "
              + Arch.describeCurrent());
    }
    JnrSyscalls syscalls;
    try {
      syscalls = JnrSyscalls.binding();
    } catch (UnsupportedOperationException e) {
      return Optional.of(e.getMessage());
    }
    try {
      // EINVAL without CONFIG_SECCOMP.
      syscalls.prctl("prctl(PR_GET_SECCOMP)", PR_GET_SECCOMP, 0, 0, 0, 0);
      Pointer action = syscalls.allocateDirect(4);
      for (int verdict : ACTIONS_USED) {
        action.putInt(0, verdict);
        // ENOSYS before Linux 3.17, EINVAL before 4.14, EOPNOTSUPP for an action it lacks.
        syscalls.syscall(
            "seccomp(SECCOMP_GET_ACTION_AVAIL, " + String.format("0x%08x", verdict) + ")",
            arch.get().number(SyscallNumber.SECCOMP),
            SECCOMP_GET_ACTION_AVAIL,
            0,
            action.address(),
            0);
      }
      return Optional.empty();
    } catch (SyscallException e) {
      return Optional.of(
          "this kernel cannot run isolate's seccomp filter (it needs Linux 4.14 with"
              + " CONFIG_SECCOMP_FILTER): "
              + e.getMessage());
    }
  }

  /**
   * Builds the filter of {@code policy} for this arch and writes it to native memory. Call it
   * before forking: it allocates, and a forked child should only make system calls. It also runs,
   * harmlessly, the code a child will run ({@link Prepared#installOnCurrentThread}, {@link
   * NoNewPrivileges#set}), which is several times slower the first time.
   *
   * @throws UnsupportedOperationException on an arch the filter does not know, or when libc cannot
   *     be bound
   */
  public static Prepared prepare(SeccompPolicy policy) {
    Arch arch =
        Arch.current()
            .orElseThrow(
                () ->
                    new UnsupportedOperationException(
                        "the seccomp filter knows the system calls of x86_64 and aarch64 Linux;"
                            + " this is "
                            + Arch.describeCurrent()));
    return new Prepared(policy, arch, policy.program(arch), JnrSyscalls.binding());
  }

  /**
   * A filter in native memory ({@code struct sock_fprog} and its {@code struct sock_filter[]}),
   * ready to install. Install it as many times as there are children; it is never modified.
   */
  public static final class Prepared {
    private final SeccompPolicy policy;
    private final int length;
    private final JnrSyscalls syscalls;
    private final long seccompNumber;

    // Held so that the memory lives as long as this object: fprog points at filter.
    private final Pointer filter;
    private final Pointer fprog;
    private final long fprogAddress;

    private Prepared(SeccompPolicy policy, Arch arch, Bpf.Program program, JnrSyscalls syscalls) {
      this.policy = policy;
      this.length = program.length();
      this.syscalls = syscalls;
      this.seccompNumber = arch.number(SyscallNumber.SECCOMP);
      byte[] bytes = program.toBytes();
      this.filter = syscalls.allocateDirect(bytes.length);
      filter.put(0, bytes, 0, bytes.length);
      this.fprog = syscalls.allocateDirect(FPROG_BYTES);
      fprog.putShort(0, (short) length);
      fprog.putAddress(FPROG_FILTER, filter.address());
      this.fprogAddress = fprog.address();
      warmUp();
      NoNewPrivileges.warmUp();
    }

    /** The policy this filter enforces. */
    public SeccompPolicy policy() {
      return policy;
    }

    /** How many BPF instructions the filter has. */
    public int instructionCount() {
      return length;
    }

    /**
     * {@code seccomp(SECCOMP_SET_MODE_FILTER, 0, &prog)}: from now on the filter judges every
     * system call of the calling thread and of the threads and processes it creates. Allocates
     * nothing unless it fails.
     *
     * <p><b>Warning:</b> other threads of this process are not filtered; call it where the caller
     * is the only thread, as in a forked child. Set {@link NoNewPrivileges} first.
     *
     * @throws SyscallException {@code EACCES} without {@code no_new_privs} (and without {@code
     *     CAP_SYS_ADMIN}); {@code ENOMEM} when the filters of this thread would exceed the kernel's
     *     total of instructions
     */
    public void installOnCurrentThread() throws SyscallException {
      install(fprogAddress);
    }

    private void install(long program) throws SyscallException {
      syscalls.syscall(
          "seccomp(SECCOMP_SET_MODE_FILTER)",
          seccompNumber,
          SECCOMP_SET_MODE_FILTER,
          0,
          program,
          0);
    }

    /**
     * Runs the code of {@link #installOnCurrentThread} once, with a null program, which the kernel
     * cannot read ({@code EFAULT}) and so does not install: the first run of code in an interpreted
     * child costs much more than later runs, and a forked child inherits what the parent has run.
     */
    private void warmUp() {
      try {
        install(0);
      } catch (SyscallException expected) {
        // EFAULT: nothing was installed.
      }
    }
  }
}
