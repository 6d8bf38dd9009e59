package dev.isolate.posix;

/**
 * The status word {@code waitpid()} stores, decoded the way the Linux {@code W*} macros decode it.
 *
 * <p>Exactly one of {@link #exited()}, {@link #signaled()}, {@link #stopped()} and {@link
 * #continued()} is true for any status a real {@code waitpid()} returns.
 */
public record WaitStatus(int raw) {

  /** {@code WIFEXITED}: the process ended through {@code exit}/{@code _exit}. */
  public boolean exited() {
    return (raw & 0x7f) == 0;
  }

  /**
   * {@code WEXITSTATUS}: the low 8 bits of the exit status; meaningful only if {@link #exited()}.
   */
  public int exitStatus() {
    return (raw >> 8) & 0xff;
  }

  /** {@code WIFSIGNALED}: a signal ended the process. */
  public boolean signaled() {
    int low = raw & 0x7f;
    return low != 0 && low != 0x7f;
  }

  /** {@code WTERMSIG}: the signal that ended it; meaningful only if {@link #signaled()}. */
  public int termSignal() {
    return raw & 0x7f;
  }

  /** {@code WCOREDUMP}: the kernel wrote a core dump; meaningful only if {@link #signaled()}. */
  public boolean coreDumped() {
    return signaled() && (raw & 0x80) != 0;
  }

  /** {@code WIFSTOPPED}: the process is stopped (only reported with {@code WUNTRACED}). */
  public boolean stopped() {
    return (raw & 0xff) == 0x7f;
  }

  /** {@code WSTOPSIG}: the signal that stopped it; meaningful only if {@link #stopped()}. */
  public int stopSignal() {
    return (raw >> 8) & 0xff;
  }

  /** {@code WIFCONTINUED}: the process was resumed by {@code SIGCONT}. */
  public boolean continued() {
    return raw == 0xffff;
  }

  /** For tests and messages: the status of a process that exited with {@code status}. */
  public static WaitStatus ofExit(int status) {
    return new WaitStatus((status & 0xff) << 8);
  }

  /** For tests and messages: the status of a process that a signal ended. */
  public static WaitStatus ofSignal(int signal, boolean coreDumped) {
    return new WaitStatus((signal & 0x7f) | (coreDumped ? 0x80 : 0));
  }

  @Override
  public String toString() {
    if (continued()) {
      return "continued";
    }
    if (exited()) {
      return "exited with status " + exitStatus();
    }
    if (signaled()) {
      return "killed by " + Signals.name(termSignal()) + (coreDumped() ? " (core dumped)" : "");
    }
    if (stopped()) {
      return "stopped by " + Signals.name(stopSignal());
    }
    return "wait status 0x" + Integer.toHexString(raw);
  }
}
