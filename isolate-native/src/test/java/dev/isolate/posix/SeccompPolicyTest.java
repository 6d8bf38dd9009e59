package dev.isolate.posix;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/** The filter's verdicts, run through a BPF interpreter for both arches: no kernel involved. */
class SeccompPolicyTest {
  private static final int ALLOW = 0x7fff0000;
  private static final int EPERM = 0x00050000 | Errno.EPERM;
  private static final int ENOSYS = 0x00050000 | Errno.ENOSYS;
  private static final int KILL_PROCESS = 0x80000000;

  private static final SeccompPolicy FULL =
      SeccompPolicy.baseline().withExecDenied().withNetworkDenied();

  private static final Set<SyscallNumber> ESCAPES_DENIED_WITH_EPERM =
      EnumSet.of(
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

  private static final Set<SyscallNumber> DENIED_WITH_ENOSYS =
      EnumSet.of(
          SyscallNumber.IO_URING_SETUP,
          SyscallNumber.IO_URING_ENTER,
          SyscallNumber.IO_URING_REGISTER,
          SyscallNumber.CLONE3);

  /** Calls no policy looks at, with their x86_64 and aarch64 numbers. */
  enum Ordinary {
    READ(0, 63),
    WRITE(1, 64),
    MMAP(9, 222),
    FUTEX(202, 98),
    GETPID(39, 172),
    OPENAT(257, 56),
    CONNECT(42, 203),
    BIND(49, 200),
    ACCEPT(43, 202),
    SOCKETPAIR(53, 199),
    RECVFROM(45, 207),
    RT_SIGACTION(13, 134),
    KILL(62, 129),
    PRCTL(157, 167),
    SECCOMP(317, 277),
    NAME_TO_HANDLE_AT(303, 264),
    PIDFD_OPEN(434, 434),
    LANDLOCK_CREATE_RULESET(444, 444),
    LANDLOCK_ADD_RULE(445, 445),
    LANDLOCK_RESTRICT_SELF(446, 446),
    EXIT_GROUP(231, 94);

    final int x86_64;
    final int aarch64;

    Ordinary(int x86_64, int aarch64) {
      this.x86_64 = x86_64;
      this.aarch64 = aarch64;
    }

    int on(Arch arch) {
      return arch == Arch.X86_64 ? x86_64 : aarch64;
    }
  }

  private static BpfInterpreter filter(SeccompPolicy policy, Arch arch) {
    return new BpfInterpreter(policy.program(arch));
  }

  private static int verdict(SeccompPolicy policy, Arch arch, SyscallNumber call, long... args) {
    return filter(policy, arch).run(arch.auditArch(), arch.number(call), args).verdict();
  }

  private static List<SeccompPolicy> allPolicies() {
    return List.of(
        SeccompPolicy.baseline(),
        SeccompPolicy.baseline().withExecDenied(),
        SeccompPolicy.baseline().withNetworkDenied(),
        FULL);
  }

  @ParameterizedTest
  @EnumSource(Arch.class)
  void escapeCallsAreDeniedWithEpermUnderEveryPolicy(Arch arch) {
    for (SeccompPolicy policy : allPolicies()) {
      for (SyscallNumber call : ESCAPES_DENIED_WITH_EPERM) {
        assertThat(verdict(policy, arch, call, 0, 0, 0, 0, 0, 0))
            .as("%s %s under %s", arch, call, policy)
            .isEqualTo(EPERM);
      }
    }
  }

  @ParameterizedTest
  @EnumSource(Arch.class)
  void ioUringAndClone3GetEnosysSoThatCallersFallBack(Arch arch) {
    for (SeccompPolicy policy : allPolicies()) {
      for (SyscallNumber call : DENIED_WITH_ENOSYS) {
        assertThat(verdict(policy, arch, call)).as("%s %s", arch, call).isEqualTo(ENOSYS);
      }
    }
  }

  @ParameterizedTest
  @EnumSource(Arch.class)
  void ordinaryCallsAreAllowedWhateverTheirArguments(Arch arch) {
    BpfInterpreter filter = filter(FULL, arch);
    for (Ordinary call : Ordinary.values()) {
      assertThat(filter.run(arch.auditArch(), call.on(arch)).verdict())
          .as("%s", call)
          .isEqualTo(ALLOW);
      assertThat(filter.run(arch.auditArch(), call.on(arch), -1, -1, -1, -1, -1, -1).verdict())
          .as("%s with all bits set", call)
          .isEqualTo(ALLOW);
    }
  }

  @ParameterizedTest
  @EnumSource(Arch.class)
  void cloneIsAllowedWithoutNamespaceFlagsAndDeniedWithAny(Arch arch) {
    long sigchld = 17;
    // What glibc's pthread_create passes: VM|FS|FILES|SIGHAND|THREAD|SYSVSEM|SETTLS|*TID.
    long thread = 0x3d0f00;
    long vfork = 0x4000 | 0x100 | sigchld;
    assertThat(verdict(FULL, arch, SyscallNumber.CLONE, sigchld)).isEqualTo(ALLOW);
    assertThat(verdict(FULL, arch, SyscallNumber.CLONE, thread)).isEqualTo(ALLOW);
    assertThat(verdict(FULL, arch, SyscallNumber.CLONE, vfork)).isEqualTo(ALLOW);
    // The kernel reads only the low 32 bits of clone's flags.
    assertThat(verdict(FULL, arch, SyscallNumber.CLONE, 0xFFFF_FFFF_0000_0000L | sigchld))
        .isEqualTo(ALLOW);
    long[] namespaces = {
      0x00020000, 0x02000000, 0x04000000, 0x08000000, 0x10000000, 0x20000000, 0x40000000
    };
    for (long flag : namespaces) {
      assertThat(verdict(SeccompPolicy.baseline(), arch, SyscallNumber.CLONE, flag | sigchld))
          .as("clone(0x%x)", flag)
          .isEqualTo(EPERM);
      assertThat(verdict(FULL, arch, SyscallNumber.CLONE, flag | thread)).isEqualTo(EPERM);
    }
  }

  @ParameterizedTest
  @EnumSource(Arch.class)
  void execIsDeniedWithEpermOnlyWhenAsked(Arch arch) {
    for (SyscallNumber exec : List.of(SyscallNumber.EXECVE, SyscallNumber.EXECVEAT)) {
      assertThat(verdict(SeccompPolicy.baseline().withExecDenied(), arch, exec)).isEqualTo(EPERM);
      assertThat(verdict(SeccompPolicy.baseline().withNetworkDenied(), arch, exec))
          .isEqualTo(ALLOW);
    }
  }

  static Stream<Arguments> sockets() {
    int unix = 1;
    int inet = 2;
    int inet6 = 10;
    int netlink = 16;
    int packet = 17;
    int alg = 38;
    int vsock = 40;
    int xdp = 44;
    int stream = 1;
    int dgram = 2;
    int raw = 3;
    int seqpacket = 5;
    int sockPacket = 10;
    int flags = 0x800 | 0x80000;
    int tcp = 6;
    int sctp = 132;
    int mptcp = 262;
    List<Arguments> cases = new ArrayList<>();
    for (Arch arch : Arch.values()) {
      cases.add(Arguments.of(arch, "inet stream", inet, stream, 0, ALLOW));
      cases.add(
          Arguments.of(arch, "inet stream nonblock cloexec tcp", inet, stream | flags, tcp, ALLOW));
      cases.add(Arguments.of(arch, "inet6 stream", inet6, stream, 0, ALLOW));
      cases.add(Arguments.of(arch, "inet6 stream tcp", inet6, stream | flags, tcp, ALLOW));
      cases.add(Arguments.of(arch, "unix stream", unix, stream, 0, ALLOW));
      cases.add(Arguments.of(arch, "unix dgram", unix, dgram | flags, 0, ALLOW));
      cases.add(Arguments.of(arch, "netlink raw route", netlink, raw, 0, ALLOW));
      cases.add(Arguments.of(arch, "inet dgram (udp)", inet, dgram, 0, EPERM));
      cases.add(Arguments.of(arch, "inet6 dgram nonblock", inet6, dgram | flags, 0, EPERM));
      cases.add(Arguments.of(arch, "inet raw icmp", inet, raw, 1, EPERM));
      cases.add(Arguments.of(arch, "inet stream mptcp", inet, stream, mptcp, EPERM));
      cases.add(Arguments.of(arch, "inet6 stream mptcp", inet6, stream | flags, mptcp, EPERM));
      cases.add(Arguments.of(arch, "inet stream sctp", inet, stream, sctp, EPERM));
      cases.add(Arguments.of(arch, "inet seqpacket sctp", inet, seqpacket, sctp, EPERM));
      cases.add(Arguments.of(arch, "inet sock_packet", inet, sockPacket, 0, EPERM));
      cases.add(Arguments.of(arch, "packet raw", packet, raw, 0, EPERM));
      cases.add(Arguments.of(arch, "alg seqpacket", alg, seqpacket, 0, EPERM));
      cases.add(Arguments.of(arch, "vsock stream", vsock, stream, 0, EPERM));
      cases.add(Arguments.of(arch, "xdp raw", xdp, raw, 0, EPERM));
      cases.add(Arguments.of(arch, "unspec", 0, stream, 0, EPERM));
    }
    return cases.stream();
  }

  @ParameterizedTest(name = "{0} socket({1})")
  @MethodSource("sockets")
  void socketAllowsOnlyPlainTcpUnixAndNetlinkWhenNetworkIsDenied(
      Arch arch, String name, int domain, int type, int protocol, int expected) {
    // An int argument arrives sign-extended or with junk above it: only the low 32 bits count.
    long junk = 0xdead_beef_0000_0000L;
    assertThat(verdict(FULL, arch, SyscallNumber.SOCKET, domain | junk, type | junk, protocol))
        .isEqualTo(expected);
    assertThat(
            verdict(SeccompPolicy.baseline(), arch, SyscallNumber.SOCKET, domain, type, protocol))
        .isEqualTo(ALLOW);
  }

  @ParameterizedTest
  @EnumSource(Arch.class)
  void listenAndTcpFastOpenAreDeniedOnlyWhenNetworkIsDenied(Arch arch) {
    long fastOpen = 0x20000000;
    long dontWait = 0x40;
    SeccompPolicy open = SeccompPolicy.baseline().withExecDenied();
    assertThat(verdict(FULL, arch, SyscallNumber.LISTEN, 3, 50)).isEqualTo(EPERM);
    assertThat(verdict(open, arch, SyscallNumber.LISTEN, 3, 50)).isEqualTo(ALLOW);

    // sendto(fd, buf, len, flags, addr, addrlen) and sendmmsg(fd, vec, vlen, flags).
    for (SyscallNumber send : List.of(SyscallNumber.SENDTO, SyscallNumber.SENDMMSG)) {
      assertThat(verdict(FULL, arch, send, 3, 0, 8, fastOpen | dontWait, 0, 16)).isEqualTo(EPERM);
      assertThat(verdict(FULL, arch, send, 3, 0, 8, dontWait, 0, 16)).isEqualTo(ALLOW);
      assertThat(verdict(open, arch, send, 3, 0, 8, fastOpen, 0, 16)).isEqualTo(ALLOW);
    }
    // sendmsg(fd, msg, flags).
    assertThat(verdict(FULL, arch, SyscallNumber.SENDMSG, 3, 0, fastOpen)).isEqualTo(EPERM);
    assertThat(verdict(FULL, arch, SyscallNumber.SENDMSG, 3, 0, dontWait, fastOpen))
        .isEqualTo(ALLOW);
    assertThat(verdict(open, arch, SyscallNumber.SENDMSG, 3, 0, fastOpen)).isEqualTo(ALLOW);
  }

  @ParameterizedTest
  @EnumSource(Arch.class)
  void callMadeThroughAnotherArchKillsTheProcess(Arch arch) {
    int i386 = 0x40000003;
    int arm = 0x40000028;
    int otherSixtyFourBit =
        arch == Arch.X86_64 ? Arch.AARCH64.auditArch() : Arch.X86_64.auditArch();
    BpfInterpreter filter = filter(FULL, arch);
    for (int other : new int[] {i386, arm, otherSixtyFourBit, 0}) {
      assertThat(filter.run(other, Ordinary.READ.on(arch)).verdict())
          .as("arch 0x%x", other)
          .isEqualTo(KILL_PROCESS);
    }
  }

  @Test
  void x32CallsGetEnosysOnX86_64() {
    BpfInterpreter filter = filter(SeccompPolicy.baseline(), Arch.X86_64);
    int x32 = Arch.X32_SYSCALL_BIT;
    for (int nr : new int[] {x32, x32 | Ordinary.GETPID.x86_64, x32 | 59, x32 | 0x3fff_ffff, -1}) {
      assertThat(filter.run(Arch.X86_64.auditArch(), nr).verdict())
          .as("nr 0x%x", nr)
          .isEqualTo(ENOSYS);
    }
  }

  @Test
  void aarch64HasNoX32SoHighNumbersReachTheKernel() {
    BpfInterpreter filter = filter(FULL, Arch.AARCH64);
    for (int nr : new int[] {Arch.X32_SYSCALL_BIT | 172, -1, 100_000}) {
      assertThat(filter.run(Arch.AARCH64.auditArch(), nr).verdict()).isEqualTo(ALLOW);
    }
  }

  /**
   * The binary search must send every number where the policy says and nowhere else: every number
   * from 0 to 4095 (and some far above) gets the verdict of this table, with arguments that pass
   * every check.
   */
  @ParameterizedTest
  @EnumSource(Arch.class)
  void everyNumberNotInThePolicyIsAllowed(Arch arch) {
    for (SeccompPolicy policy : allPolicies()) {
      Map<Integer, Integer> expected = new HashMap<>();
      ESCAPES_DENIED_WITH_EPERM.forEach(call -> expected.put(arch.number(call), EPERM));
      DENIED_WITH_ENOSYS.forEach(call -> expected.put(arch.number(call), ENOSYS));
      if (policy.denyExec()) {
        expected.put(arch.number(SyscallNumber.EXECVE), EPERM);
        expected.put(arch.number(SyscallNumber.EXECVEAT), EPERM);
      }
      if (policy.denyNetwork()) {
        expected.put(arch.number(SyscallNumber.LISTEN), EPERM);
      }
      BpfInterpreter filter = filter(policy, arch);
      List<Integer> numbers = new ArrayList<>();
      for (int nr = 0; nr < 4096; nr++) {
        numbers.add(nr);
      }
      numbers.addAll(List.of(0x3fff_ffff, 0x1000_0000, 0x7fff_ffff));
      for (int nr : numbers) {
        // socket(AF_INET, SOCK_STREAM, 0), clone(SIGCHLD), sendto(..., flags 0): allowed.
        int verdict = filter.run(arch.auditArch(), nr, 2, 1, 0, 0, 0, 0).verdict();
        assertThat(verdict)
            .as("%s nr %d under %s", arch, nr, policy)
            .isEqualTo(
                expected.getOrDefault(nr, arch.hasX32() && nr >= 0x4000_0000 ? ENOSYS : ALLOW));
      }
    }
  }

  @ParameterizedTest
  @EnumSource(Arch.class)
  void everyPathIsShort(Arch arch) {
    Bpf.Program program = FULL.program(arch);
    int longest = new BpfInterpreter(program).longestPath();
    System.out.printf(
        "%s full policy: %d instructions, longest path %d%n", arch, program.length(), longest);
    // Arch check (3) + a search of about 7 levels + the socket check (10).
    assertThat(longest).as(program.disassemble()).isLessThanOrEqualTo(22);
    assertThat(program.length()).isLessThan(160);
  }

  @Test
  void programOfThePolicyIsPure() {
    assertThat(FULL.program(Arch.X86_64).toBytes()).isEqualTo(FULL.program(Arch.X86_64).toBytes());
    assertThat(FULL.program(Arch.X86_64).toBytes())
        .isNotEqualTo(FULL.program(Arch.AARCH64).toBytes());
  }
}
