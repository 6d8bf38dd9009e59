package dev.isolate.posix;

/**
 * The {@code no_new_privs} bit of the calling thread: once set, exec can never grant privileges
 * (setuid, file capabilities), and it is inherited by every thread and child made afterwards and
 * can never be cleared.
 *
 * <p>Landlock and seccomp filters require it unless the process has {@code CAP_SYS_ADMIN}: without
 * it, a root process with no capabilities gets {@code EPERM} from {@link
 * Landlock.Ruleset#restrictSelf} and {@code EACCES} from {@link
 * SeccompFilter.Prepared#installOnCurrentThread}. Set it first, in the child.
 */
public final class NoNewPrivileges {
  private static final int PR_SET_NO_NEW_PRIVS = 38;
  private static final int PR_GET_NO_NEW_PRIVS = 39;

  private NoNewPrivileges() {}

  /**
   * {@code prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)} for the calling thread.
   *
   * <p><b>Warning:</b> in a forked child, the first reference to this class from a class that has
   * not used it before costs about 100 µs (the interpreter resolves it); have that class call
   * {@link #isSet} in the parent.
   *
   * @throws SyscallException if prctl fails (only on kernels older than 3.5)
   * @throws UnsupportedOperationException off Linux, or when libc cannot be bound
   */
  public static void set() throws SyscallException {
    request(1);
  }

  /**
   * Whether the calling thread has {@code no_new_privs}.
   *
   * @throws SyscallException if prctl fails (only on kernels older than 3.5)
   * @throws UnsupportedOperationException off Linux, or when libc cannot be bound
   */
  public static boolean isSet() throws SyscallException {
    return JnrSyscalls.binding()
            .prctl("prctl(PR_GET_NO_NEW_PRIVS)", PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0)
        == 1;
  }

  private static void request(long value) throws SyscallException {
    JnrSyscalls.binding().prctl("prctl(PR_SET_NO_NEW_PRIVS)", PR_SET_NO_NEW_PRIVS, value, 0, 0, 0);
  }

  /**
   * Runs the code of {@link #set} once, in the parent, asking for a value the kernel refuses
   * ({@code EINVAL}: only 1 is taken): a forked child inherits loaded classes and resolved
   * constants, and the first run of this code costs a child a few hundred microseconds.
   */
  static void warmUp() {
    try {
      request(0);
    } catch (SyscallException | UnsupportedOperationException e) {
      // EINVAL, as asked; or no binding, which set() will report in the child.
    }
  }
}
