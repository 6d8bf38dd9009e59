package dev.isolate.posix;

/**
 * Transparent huge pages for this process's own memory: {@code madvise(MADV_COLLAPSE)} (Linux 6.1).
 * A range of small pages collapsed into 2 MiB pages has 512 times fewer page-table entries for
 * {@code fork} to copy and for each child's exit to tear down.
 */
public final class HugePages {
  private static final int MADV_COLLAPSE = 25;

  private HugePages() {}

  /**
   * Collapses the anonymous memory in {@code [address, address + length)} into huge pages, copying
   * it; the contents stay as they are. Allocates nothing unless it fails.
   *
   * @throws SyscallException {@code EINVAL} on a kernel without {@code MADV_COLLAPSE}, {@code
   *     EAGAIN}/{@code ENOMEM} when no huge page could be had (the range stays as it was)
   * @throws UnsupportedOperationException off Linux x86_64/aarch64, or when libc cannot be bound
   */
  public static void collapse(long address, long length) throws SyscallException {
    Arch arch =
        Arch.current()
            .orElseThrow(
                () ->
                    new UnsupportedOperationException(
                        "madvise numbers: " + Arch.describeCurrent()));
    JnrSyscalls.binding()
        .syscall(
            "madvise(MADV_COLLAPSE)",
            arch.number(SyscallNumber.MADVISE),
            address,
            length,
            MADV_COLLAPSE,
            0);
  }
}
