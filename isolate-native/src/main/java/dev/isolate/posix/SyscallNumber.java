package dev.isolate.posix;

/**
 * The system calls the sandbox makes or filters, and {@code madvise} (see {@link HugePages}), with
 * their numbers on x86_64 ({@code asm/unistd_64.h}) and aarch64 ({@code asm-generic/unistd.h}).
 * Numbers from 424 up are the same on every arch.
 */
enum SyscallNumber {
  EXECVE(59, 221),
  EXECVEAT(322, 281),
  SOCKET(41, 198),
  LISTEN(50, 201),
  SENDTO(44, 206),
  SENDMSG(46, 211),
  SENDMMSG(307, 269),
  CLONE(56, 220),
  CLONE3(435, 435),
  UNSHARE(272, 97),
  SETNS(308, 268),
  PTRACE(101, 117),
  PROCESS_VM_READV(310, 270),
  PROCESS_VM_WRITEV(311, 271),
  MOUNT(165, 40),
  UMOUNT2(166, 39),
  PIVOT_ROOT(155, 41),
  CHROOT(161, 51),
  OPEN_TREE(428, 428),
  MOVE_MOUNT(429, 429),
  FSOPEN(430, 430),
  FSCONFIG(431, 431),
  FSMOUNT(432, 432),
  FSPICK(433, 433),
  MOUNT_SETATTR(442, 442),
  OPEN_TREE_ATTR(467, 467),
  BPF(321, 280),
  KEYCTL(250, 219),
  ADD_KEY(248, 217),
  REQUEST_KEY(249, 218),
  KEXEC_LOAD(246, 104),
  KEXEC_FILE_LOAD(320, 294),
  INIT_MODULE(175, 105),
  FINIT_MODULE(313, 273),
  DELETE_MODULE(176, 106),
  OPEN_BY_HANDLE_AT(304, 265),
  PERF_EVENT_OPEN(298, 241),
  USERFAULTFD(323, 282),
  IO_URING_SETUP(425, 425),
  IO_URING_ENTER(426, 426),
  IO_URING_REGISTER(427, 427),
  SECCOMP(317, 277),
  MADVISE(28, 233);

  private final int x86_64;
  private final int aarch64;

  SyscallNumber(int x86_64, int aarch64) {
    this.x86_64 = x86_64;
    this.aarch64 = aarch64;
  }

  /** Its number on {@code arch}. */
  int on(Arch arch) {
    return switch (arch) {
      case X86_64 -> x86_64;
      case AARCH64 -> aarch64;
    };
  }
}
