package dev.isolate;

import dev.isolate.posix.Landlock;
import dev.isolate.posix.SeccompFilter;
import dev.isolate.posix.SyscallException;
import java.util.Optional;

/**
 * Whether this kernel can enforce a {@link Sandbox}: checked when one is built, so that a sandbox
 * is refused with the reason rather than weakened.
 */
final class SandboxSupport {
  /** The Landlock ABI that first controls truncation, without which a file could be emptied. */
  static final int FILES_ABI = 3;

  /** The Landlock ABI that first controls TCP bind and connect. */
  static final int NETWORK_ABI = 4;

  private SandboxSupport() {}

  /**
   * @throws IllegalStateException naming what is missing and the Linux version that has it
   */
  static void check(boolean denyNetwork, boolean readOnlyFileSystem) {
    String os = System.getProperty("os.name");
    if (!"Linux".equals(os)) {
      throw new IllegalStateException(
          "a Sandbox needs Linux (Landlock and seccomp-bpf); this is "
              + os
              + " "
              + System.getProperty("os.version"));
    }
    Optional<String> seccomp;
    try {
      seccomp = SeccompFilter.whyUnsupported();
    } catch (UnsupportedOperationException e) {
      seccomp = Optional.of(e.getMessage());
    }
    int abi = seccomp.isPresent() || !(denyNetwork || readOnlyFileSystem) ? 0 : landlockAbi();
    Optional<String> missing =
        missing(
            denyNetwork,
            readOnlyFileSystem,
            seccomp,
            abi,
            "Linux " + System.getProperty("os.version"));
    if (missing.isPresent()) {
      throw new IllegalStateException(missing.get());
    }
  }

  /**
   * What a sandbox with these restrictions lacks on a kernel whose seccomp filters cannot be used
   * for {@code seccompProblem} (empty: they can) and whose Landlock ABI is {@code abi} (0: none).
   */
  static Optional<String> missing(
      boolean denyNetwork,
      boolean readOnlyFileSystem,
      Optional<String> seccompProblem,
      int abi,
      String kernel) {
    if (seccompProblem.isPresent()) {
      return Optional.of(
          "a Sandbox needs seccomp-bpf filters (Linux 4.14 or later, CONFIG_SECCOMP_FILTER); "
              + seccompProblem.get());
    }
    if (readOnlyFileSystem && abi < FILES_ABI) {
      return Optional.of(
          "Sandbox.readOnlyFileSystem needs Landlock ABI "
              + FILES_ABI
              + " (Linux 6.2, which controls truncation too); "
              + describe(abi, kernel));
    }
    if (denyNetwork && abi < NETWORK_ABI) {
      return Optional.of(
          "Sandbox.denyNetwork needs Landlock ABI "
              + NETWORK_ABI
              + " (Linux 6.7, which controls TCP bind and connect); "
              + describe(abi, kernel));
    }
    return Optional.empty();
  }

  private static int landlockAbi() {
    try {
      return Landlock.abiVersion();
    } catch (SyscallException e) {
      throw new IllegalStateException(
          "a Sandbox needs Landlock, and this kernel's answer to its version query was " + e, e);
    }
  }

  private static String describe(int abi, String kernel) {
    return abi == 0
        ? "this kernel ("
            + kernel
            + ") has no Landlock, or it is not enabled (it must be in the lsm= boot parameter;"
            + " see /sys/kernel/security/lsm)"
        : "this kernel (" + kernel + ") has ABI " + abi;
  }
}
