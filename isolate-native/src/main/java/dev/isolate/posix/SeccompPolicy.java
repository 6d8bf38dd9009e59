package dev.isolate.posix;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a child's seccomp filter denies: an always-on baseline, plus exec and the network if asked.
 *
 * <p>The baseline denies with {@code EPERM} what lets code escape or reach past its process: {@code
 * ptrace}, {@code process_vm_readv/writev}, mounting (the old and the new mount API, {@code
 * pivot_root}, {@code chroot}), namespaces ({@code unshare}, {@code setns}, {@code clone} with a
 * {@code CLONE_NEW*} flag), {@code bpf}, the keyrings, kexec and kernel modules, {@code
 * open_by_handle_at}, {@code perf_event_open} and {@code userfaultfd}. It answers {@code ENOSYS}
 * for io_uring, which callers treat as "not supported", and for {@code clone3}: glibc then falls
 * back to {@code clone}, whose flags, unlike clone3's, are in a register the filter can read.
 *
 * <p>{@link #denyExec} denies {@code execve} and {@code execveat} ({@code EPERM}: Java then reports
 * "error=1, Operation not permitted", not a misleading file-permission error).
 *
 * <p>{@link #denyNetwork} closes what Landlock's TCP rights leave open: it allows {@code socket()}
 * for {@code AF_UNIX}, {@code AF_NETLINK} (glibc's name lookup) and, for {@code AF_INET/AF_INET6},
 * only plain TCP ({@code SOCK_STREAM} with protocol 0 or {@code IPPROTO_TCP}; not UDP, raw, SCTP or
 * MPTCP, which Landlock does not see); every other family is denied. It also denies {@code listen}
 * (an unbound TCP socket would listen on an automatic port) and {@code MSG_FASTOPEN} in {@code
 * sendto/sendmsg/sendmmsg} (which connects without {@code connect}). TCP connections themselves are
 * Landlock's job ({@link Landlock#NET_CONNECT_TCP}). Denials are {@code EPERM}, which Java shows as
 * {@code SocketException: Operation not permitted}; {@code EACCES} would read as {@code
 * BindException: Permission denied}.
 *
 * <p>On every arch a call made with another arch's convention (such as {@code int 0x80} on x86_64)
 * kills the process, since its numbers mean other calls; x32 calls get {@code ENOSYS}.
 *
 * @param denyExec whether {@code execve} and {@code execveat} are denied
 * @param denyNetwork whether sockets are limited as described above
 */
public record SeccompPolicy(boolean denyExec, boolean denyNetwork) {

  /** {@code SECCOMP_RET_KILL_PROCESS}. */
  static final int RET_KILL_PROCESS = 0x80000000;

  /** {@code SECCOMP_RET_ERRNO}, to be or-ed with the errno. */
  static final int RET_ERRNO = 0x00050000;

  /** {@code SECCOMP_RET_ALLOW}. */
  static final int RET_ALLOW = 0x7fff0000;

  /**
   * {@code struct seccomp_data}: {@code int nr; u32 arch; u64 instruction_pointer; u64 args[6]}.
   */
  static final int DATA_NR = 0;

  static final int DATA_ARCH = 4;

  static final int DATA_BYTES = 64;

  /** {@code CLONE_NEWNS|NEWCGROUP|NEWUTS|NEWIPC|NEWUSER|NEWPID|NEWNET}. */
  static final int CLONE_NAMESPACES = 0x7E020000;

  static final int AF_UNIX = 1;
  static final int AF_INET = 2;
  static final int AF_INET6 = 10;
  static final int AF_NETLINK = 16;
  static final int SOCK_STREAM = 1;

  /** {@code SOCK_TYPE_MASK}: strips {@code SOCK_NONBLOCK} and {@code SOCK_CLOEXEC}. */
  static final int SOCK_TYPE_MASK = 0xf;

  static final int IPPROTO_TCP = 6;
  static final int MSG_FASTOPEN = 0x20000000;

  private static final String ALLOW = "allow";
  private static final String EPERM = "eperm";
  private static final String ENOSYS = "enosys";
  private static final String CLONE = "clone";
  private static final String SOCKET = "socket";
  private static final String SOCKET_INET = "socket_inet";
  private static final String FLAGS_IN_ARG3 = "send_flags_arg3";
  private static final String FLAGS_IN_ARG2 = "send_flags_arg2";

  private static final List<SyscallNumber> BASELINE_EPERM =
      List.of(
          SyscallNumber.PTRACE,
          SyscallNumber.PROCESS_VM_READV,
          SyscallNumber.PROCESS_VM_WRITEV,
          SyscallNumber.MOUNT,
          SyscallNumber.UMOUNT2,
          SyscallNumber.PIVOT_ROOT,
          SyscallNumber.CHROOT,
          SyscallNumber.OPEN_TREE,
          SyscallNumber.MOVE_MOUNT,
          SyscallNumber.FSOPEN,
          SyscallNumber.FSCONFIG,
          SyscallNumber.FSMOUNT,
          SyscallNumber.FSPICK,
          SyscallNumber.MOUNT_SETATTR,
          SyscallNumber.OPEN_TREE_ATTR,
          SyscallNumber.BPF,
          SyscallNumber.KEYCTL,
          SyscallNumber.ADD_KEY,
          SyscallNumber.REQUEST_KEY,
          SyscallNumber.KEXEC_LOAD,
          SyscallNumber.KEXEC_FILE_LOAD,
          SyscallNumber.INIT_MODULE,
          SyscallNumber.FINIT_MODULE,
          SyscallNumber.DELETE_MODULE,
          SyscallNumber.UNSHARE,
          SyscallNumber.SETNS,
          SyscallNumber.OPEN_BY_HANDLE_AT,
          SyscallNumber.PERF_EVENT_OPEN,
          SyscallNumber.USERFAULTFD);

  private static final List<SyscallNumber> BASELINE_ENOSYS =
      List.of(
          SyscallNumber.IO_URING_SETUP,
          SyscallNumber.IO_URING_ENTER,
          SyscallNumber.IO_URING_REGISTER,
          SyscallNumber.CLONE3);

  /** The baseline alone: exec and the network allowed. */
  public static SeccompPolicy baseline() {
    return new SeccompPolicy(false, false);
  }

  /** This policy, with exec denied too. */
  public SeccompPolicy withExecDenied() {
    return new SeccompPolicy(true, denyNetwork);
  }

  /** This policy, with the network limited too. */
  public SeccompPolicy withNetworkDenied() {
    return new SeccompPolicy(denyExec, true);
  }

  /** The filter for {@code arch}. Pure: the same policy and arch give the same program. */
  Bpf.Program program(Arch arch) {
    Bpf.Assembler bpf = new Bpf.Assembler();
    bpf.load(DATA_ARCH)
        .jumpIfEqual(arch.auditArch(), "arch_ok", Bpf.NEXT)
        .ret(RET_KILL_PROCESS)
        .label("arch_ok")
        .load(DATA_NR);
    dispatch(bpf, segments(arch, handlers(arch)));
    // clone(flags, ...): the flags are args[0] on x86_64 and aarch64, and the kernel reads only
    // their low 32 bits.
    bpf.label(CLONE).load(argument(0)).jumpIfAnySet(CLONE_NAMESPACES, EPERM, ALLOW);
    if (denyNetwork) {
      // Every argument checked below is an int, so the low 32 bits are all the kernel sees too.
      bpf.label(SOCKET)
          .load(argument(0))
          .jumpIfEqual(AF_INET, SOCKET_INET, Bpf.NEXT)
          .jumpIfEqual(AF_INET6, SOCKET_INET, Bpf.NEXT)
          .jumpIfEqual(AF_UNIX, ALLOW, Bpf.NEXT)
          .jumpIfEqual(AF_NETLINK, ALLOW, EPERM);
      bpf.label(SOCKET_INET)
          .load(argument(1))
          .and(SOCK_TYPE_MASK)
          .jumpIfEqual(SOCK_STREAM, Bpf.NEXT, EPERM)
          .load(argument(2))
          .jumpIfEqual(0, ALLOW, Bpf.NEXT)
          .jumpIfEqual(IPPROTO_TCP, ALLOW, EPERM);
      bpf.label(FLAGS_IN_ARG3).load(argument(3)).jumpIfAnySet(MSG_FASTOPEN, EPERM, ALLOW);
      bpf.label(FLAGS_IN_ARG2).load(argument(2)).jumpIfAnySet(MSG_FASTOPEN, EPERM, ALLOW);
    }
    // The verdicts last: classic BPF jumps only forward, and everything above jumps here.
    bpf.label(ALLOW).ret(RET_ALLOW);
    bpf.label(EPERM).ret(RET_ERRNO | Errno.EPERM);
    bpf.label(ENOSYS).ret(RET_ERRNO | Errno.ENOSYS);
    return bpf.assemble();
  }

  /** The offset of the low 32 bits of {@code args[index]} in {@code seccomp_data}. */
  static int argument(int index) {
    return 16 + 8 * index;
  }

  /** Each call this policy does not simply allow, with the label of its verdict or its check. */
  private Map<SyscallNumber, String> handlers(Arch arch) {
    Map<SyscallNumber, String> handlers = new EnumMap<>(SyscallNumber.class);
    BASELINE_EPERM.forEach(call -> handlers.put(call, EPERM));
    BASELINE_ENOSYS.forEach(call -> handlers.put(call, ENOSYS));
    handlers.put(SyscallNumber.CLONE, CLONE);
    if (denyExec) {
      handlers.put(SyscallNumber.EXECVE, EPERM);
      handlers.put(SyscallNumber.EXECVEAT, EPERM);
    }
    if (denyNetwork) {
      handlers.put(SyscallNumber.SOCKET, SOCKET);
      handlers.put(SyscallNumber.LISTEN, EPERM);
      handlers.put(SyscallNumber.SENDTO, FLAGS_IN_ARG3);
      handlers.put(SyscallNumber.SENDMMSG, FLAGS_IN_ARG3);
      handlers.put(SyscallNumber.SENDMSG, FLAGS_IN_ARG2);
    }
    return handlers;
  }

  /**
   * The 32-bit number space cut into runs of numbers that share a label, each run given by its
   * first number: every number from a run's start to the next run's is handled alike.
   */
  private static List<Segment> segments(Arch arch, Map<SyscallNumber, String> handlers) {
    TreeMap<Long, String> byNumber = new TreeMap<>();
    handlers.forEach((call, label) -> byNumber.put((long) arch.number(call), label));
    if (arch.hasX32()) {
      byNumber.put((long) Arch.X32_SYSCALL_BIT, ENOSYS);
    }
    List<Segment> segments = new ArrayList<>();
    long next = 0;
    for (Map.Entry<Long, String> entry : byNumber.entrySet()) {
      long number = entry.getKey();
      if (number > next) {
        append(segments, next, ALLOW);
      }
      append(segments, number, entry.getValue());
      next = number + 1;
    }
    // The x32 run goes to the top of the number space; without it the gap after the last call
    // is allowed.
    if (!arch.hasX32()) {
      append(segments, next, ALLOW);
    }
    return segments;
  }

  private static void append(List<Segment> segments, long start, String label) {
    if (segments.isEmpty() || !segments.get(segments.size() - 1).label().equals(label)) {
      segments.add(new Segment(start, label));
    }
  }

  /**
   * A balanced binary search of the syscall number over {@code segments}: {@code log2(runs)}
   * unsigned comparisons on every path, each leaf a jump straight to its label. The kernel emulates
   * the filter for every number when it is installed (to cache the verdicts that need no argument),
   * so a short path keeps installation cheap, and it keeps every call that is checked cheap too.
   */
  private static void dispatch(Bpf.Assembler bpf, List<Segment> segments) {
    if (segments.size() == 1) {
      bpf.jump(segments.get(0).label());
    } else {
      new Dispatch(bpf, segments).node(0, segments.size());
    }
  }

  /** A run of syscall numbers, from {@code start} to the next run's start, and its label. */
  private record Segment(long start, String label) {}

  private static final class Dispatch {
    private final Bpf.Assembler bpf;
    private final List<Segment> segments;
    private int nodes;

    Dispatch(Bpf.Assembler bpf, List<Segment> segments) {
      this.bpf = bpf;
      this.segments = segments;
    }

    /** Emits, here, the search over segments [from, to), which holds at least two. */
    void node(int from, int to) {
      int middle = (from + to) >>> 1;
      int bound = (int) segments.get(middle).start();
      boolean leftLeaf = middle - from == 1;
      boolean rightLeaf = to - middle == 1;
      if (leftLeaf && rightLeaf) {
        bpf.jumpIfAtLeast(bound, label(middle), label(from));
      } else if (rightLeaf) {
        bpf.jumpIfAtLeast(bound, label(middle), Bpf.NEXT);
        node(from, middle);
      } else if (leftLeaf) {
        bpf.jumpIfAtLeast(bound, Bpf.NEXT, label(from));
        node(middle, to);
      } else {
        String right = "node_" + nodes++;
        bpf.jumpIfAtLeast(bound, right, Bpf.NEXT);
        node(from, middle);
        bpf.label(right);
        node(middle, to);
      }
    }

    private String label(int segment) {
      return segments.get(segment).label();
    }
  }
}
