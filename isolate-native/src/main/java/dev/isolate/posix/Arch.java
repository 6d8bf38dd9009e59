package dev.isolate.posix;

import java.nio.ByteOrder;
import java.util.Locale;
import java.util.Optional;

/**
 * The CPU architectures whose system call numbers the sandbox knows: x86_64 and aarch64, both
 * little-endian, 64-bit Linux.
 */
enum Arch {
  /** x86_64; its kernel also accepts x32 calls, whose numbers have bit 30 set. */
  X86_64(0xC000003E, true),
  /** aarch64 (asm-generic numbering); it has no x32-like second ABI. */
  AARCH64(0xC00000B7, false);

  /** The bit that marks an x32 system call on x86_64 ({@code __X32_SYSCALL_BIT}). */
  static final int X32_SYSCALL_BIT = 0x40000000;

  private final int auditArch;
  private final boolean hasX32;

  Arch(int auditArch, boolean hasX32) {
    this.auditArch = auditArch;
    this.hasX32 = hasX32;
  }

  /** {@code AUDIT_ARCH_*}: what the kernel puts in {@code seccomp_data.arch} for this arch. */
  int auditArch() {
    return auditArch;
  }

  /** Whether numbers with {@link #X32_SYSCALL_BIT} set reach the kernel as x32 calls. */
  boolean hasX32() {
    return hasX32;
  }

  /** The number of {@code call} on this arch. */
  int number(SyscallNumber call) {
    return call.on(this);
  }

  /** The arch this JVM runs on, if the sandbox knows it. */
  static Optional<Arch> current() {
    return of(
        System.getProperty("os.name", ""),
        System.getProperty("os.arch", ""),
        ByteOrder.nativeOrder());
  }

  static Optional<Arch> of(String osName, String osArch, ByteOrder order) {
    if (!osName.toLowerCase(Locale.ROOT).startsWith("linux") || order != ByteOrder.LITTLE_ENDIAN) {
      return Optional.empty();
    }
    return switch (osArch.toLowerCase(Locale.ROOT)) {
      case "amd64", "x86_64" -> Optional.of(X86_64);
      case "aarch64", "arm64" -> Optional.of(AARCH64);
      default -> Optional.empty();
    };
  }

  /** What a refusal says: the arch this JVM runs on, as the JVM names it. */
  static String describeCurrent() {
    return System.getProperty("os.name") + " " + System.getProperty("os.arch");
  }
}
