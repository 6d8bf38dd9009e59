package dev.isolate.posix;

import java.nio.file.Files;
import java.nio.file.Path;
import jnr.ffi.Pointer;

/**
 * Landlock: an unprivileged process takes rights away from itself. A {@link Ruleset} names the
 * rights it handles (denied unless a rule grants them) and the rules that grant them beneath some
 * paths; {@link Ruleset#restrictSelf} applies it to the calling thread for good.
 *
 * <p>The ruleset is built ahead, in the parent, so that a forked child only makes system calls: set
 * {@link NoNewPrivileges}, then {@link Ruleset#restrictSelf}, then {@link Ruleset#close}.
 *
 * <p>Each right exists from some ABI version on (see {@link #abiVersion}); a ruleset that handles a
 * right the kernel does not know fails with {@code EINVAL}, so masks come from {@link
 * #writeRights}, {@link #netRights} and {@link #scopes}, which keep to what an ABI has.
 */
public final class Landlock {
  /** Executes a file. ABI 1. */
  public static final long FS_EXECUTE = 1L << 0;

  /** Opens a file for writing. ABI 1. */
  public static final long FS_WRITE_FILE = 1L << 1;

  /** Opens a file for reading. ABI 1. */
  public static final long FS_READ_FILE = 1L << 2;

  /** Lists a directory. ABI 1. */
  public static final long FS_READ_DIR = 1L << 3;

  /** Removes an empty directory or renames one. ABI 1. */
  public static final long FS_REMOVE_DIR = 1L << 4;

  /** Unlinks or renames a file. ABI 1. */
  public static final long FS_REMOVE_FILE = 1L << 5;

  /** Makes a character device. ABI 1. */
  public static final long FS_MAKE_CHAR = 1L << 6;

  /** Makes a directory. ABI 1. */
  public static final long FS_MAKE_DIR = 1L << 7;

  /** Makes a regular file. ABI 1. */
  public static final long FS_MAKE_REG = 1L << 8;

  /** Makes a unix socket. ABI 1. */
  public static final long FS_MAKE_SOCK = 1L << 9;

  /** Makes a named pipe. ABI 1. */
  public static final long FS_MAKE_FIFO = 1L << 10;

  /** Makes a block device. ABI 1. */
  public static final long FS_MAKE_BLOCK = 1L << 11;

  /** Makes a symbolic link. ABI 1. */
  public static final long FS_MAKE_SYM = 1L << 12;

  /** Links or renames a file into another directory. ABI 2. */
  public static final long FS_REFER = 1L << 13;

  /** Truncates a file. ABI 3. */
  public static final long FS_TRUNCATE = 1L << 14;

  /** Calls ioctl on a device file opened after the restriction (even isatty's TCGETS). ABI 5. */
  public static final long FS_IOCTL_DEV = 1L << 15;

  /**
   * The rights that apply to a file itself; a rule on anything but a directory grants only these.
   */
  public static final long FILE_RIGHTS =
      FS_EXECUTE | FS_WRITE_FILE | FS_READ_FILE | FS_TRUNCATE | FS_IOCTL_DEV;

  /** Binds a TCP socket to a port. ABI 4. */
  public static final long NET_BIND_TCP = 1L << 0;

  /** Connects a TCP socket to a port. ABI 4. */
  public static final long NET_CONNECT_TCP = 1L << 1;

  /** Connects to an abstract unix socket made outside this domain. ABI 6. */
  public static final long SCOPE_ABSTRACT_UNIX_SOCKET = 1L << 0;

  /** Signals a process outside this domain. ABI 6. */
  public static final long SCOPE_SIGNAL = 1L << 1;

  // The same numbers on every arch: those from 424 up are shared.
  private static final long SYS_CREATE_RULESET = 444;
  private static final long SYS_ADD_RULE = 445;
  private static final long SYS_RESTRICT_SELF = 446;

  private static final int CREATE_RULESET_VERSION = 1;
  private static final int RULE_PATH_BENEATH = 1;
  private static final int O_PATH = 0x200000;

  /**
   * {@code struct landlock_ruleset_attr}: {@code u64 handled_access_fs @0}, {@code u64
   * handled_access_net @8} (ABI 4), {@code u64 scoped @16} (ABI 6).
   */
  private static final int RULESET_ATTR_BYTES = 24;

  /**
   * {@code struct landlock_path_beneath_attr}, packed: {@code u64 allowed_access @0, s32 fd @8}.
   */
  private static final int PATH_BENEATH_BYTES = 12;

  private static final int PATH_BENEATH_FD = 8;

  private Landlock() {}

  /**
   * The Landlock ABI version of this kernel: 1 on Linux 5.13, up to 7 on 6.15; 0 when the kernel
   * has no Landlock or it is not enabled (it must be in the {@code lsm=} boot list).
   *
   * @throws SyscallException if the kernel answers anything else than a version or "not there"
   * @throws UnsupportedOperationException off Linux, or when libc cannot be bound
   */
  public static int abiVersion() throws SyscallException {
    try {
      return (int)
          JnrSyscalls.binding()
              .syscall(
                  "landlock_create_ruleset(LANDLOCK_CREATE_RULESET_VERSION)",
                  SYS_CREATE_RULESET,
                  0,
                  0,
                  CREATE_RULESET_VERSION,
                  0);
    } catch (SyscallException e) {
      if (e.errno() == Errno.ENOSYS || e.errno() == Errno.EOPNOTSUPP) {
        return 0;
      }
      throw e;
    }
  }

  /**
   * Every file-system right that changes something, as far as {@code abi} knows them: all but
   * {@link #FS_READ_FILE}, {@link #FS_READ_DIR} and {@link #FS_EXECUTE}. Handle these and grant
   * them beneath the writable directories for "read anything, write only there"; {@code 0xfff2}
   * from ABI 5 on.
   */
  public static long writeRights(int abi) {
    if (abi < 1) {
      return 0;
    }
    long rights =
        FS_WRITE_FILE
            | FS_REMOVE_DIR
            | FS_REMOVE_FILE
            | FS_MAKE_CHAR
            | FS_MAKE_DIR
            | FS_MAKE_REG
            | FS_MAKE_SOCK
            | FS_MAKE_FIFO
            | FS_MAKE_BLOCK
            | FS_MAKE_SYM;
    if (abi >= 2) {
      rights |= FS_REFER;
    }
    if (abi >= 3) {
      rights |= FS_TRUNCATE;
    }
    if (abi >= 5) {
      rights |= FS_IOCTL_DEV;
    }
    return rights;
  }

  /**
   * {@link #NET_BIND_TCP} and {@link #NET_CONNECT_TCP} from ABI 4 on, else 0. They cover TCP only:
   * UDP, {@code listen} on an automatic port, TCP Fast Open and MPTCP escape them, which is what
   * {@link SeccompPolicy#denyNetwork} is for.
   */
  public static long netRights(int abi) {
    return abi >= 4 ? NET_BIND_TCP | NET_CONNECT_TCP : 0;
  }

  /** {@link #SCOPE_ABSTRACT_UNIX_SOCKET} and {@link #SCOPE_SIGNAL} from ABI 6 on, else 0. */
  public static long scopes(int abi) {
    return abi >= 6 ? SCOPE_ABSTRACT_UNIX_SOCKET | SCOPE_SIGNAL : 0;
  }

  /**
   * {@code landlock_create_ruleset}: a ruleset that denies {@code handledFs}, {@code handledNet}
   * and the {@code scoped} interactions unless its rules grant them. Call it before forking: it
   * also runs, harmlessly, the code a child will run ({@link Ruleset#restrictSelf}, {@link
   * NoNewPrivileges#set}), which is several times slower the first time.
   *
   * @throws IllegalArgumentException if nothing is handled, or a mask needs a newer ABI than this
   *     kernel's
   * @throws UnsupportedOperationException if the kernel has no Landlock ({@link #abiVersion} is 0),
   *     or off Linux
   * @throws SyscallException {@code EINVAL} if a mask has a bit this kernel does not know
   */
  public static Ruleset newRuleset(long handledFs, long handledNet, long scoped)
      throws SyscallException {
    int abi = abiVersion();
    if (abi == 0) {
      throw new UnsupportedOperationException(
          "this kernel has no Landlock, or it is not enabled (Linux 5.13+, with landlock in the"
              + " lsm= boot parameter, see /sys/kernel/security/lsm); check Landlock.abiVersion()"
              + " first");
    }
    if ((handledFs | handledNet | scoped) == 0) {
      throw new IllegalArgumentException("a ruleset must handle some right; all three masks are 0");
    }
    if (handledNet != 0 && abi < 4) {
      throw new IllegalArgumentException(
          "handled network rights need Landlock ABI 4 (Linux 6.7); this kernel has ABI "
              + abi
              + ": pass Landlock.netRights(abi)");
    }
    if (scoped != 0 && abi < 6) {
      throw new IllegalArgumentException(
          "scopes need Landlock ABI 6 (Linux 6.12); this kernel has ABI "
              + abi
              + ": pass Landlock.scopes(abi)");
    }
    return new Ruleset(JnrSyscalls.binding(), abi, handledFs, handledNet, scoped);
  }

  /**
   * A Landlock ruleset: a descriptor ({@code O_CLOEXEC}) and the rights it handles. Not
   * thread-safe.
   *
   * <p>Build it in the parent and restrict in the child: {@link #restrictSelf} is one system call
   * (tens of microseconds), while opening paths and adding rules in a child costs several times
   * more. The child inherits the descriptor and should close it once restricted.
   */
  public static final class Ruleset implements AutoCloseable {
    private final JnrSyscalls syscalls;
    private final long handledFs;
    private final int fd;
    private final Pointer pathBeneath;
    private boolean closed;

    private Ruleset(JnrSyscalls syscalls, int abi, long handledFs, long handledNet, long scoped)
        throws SyscallException {
      this.syscalls = syscalls;
      this.handledFs = handledFs;
      Pointer attr = syscalls.allocateDirect(RULESET_ATTR_BYTES);
      attr.putLong(0, handledFs);
      attr.putLong(8, handledNet);
      attr.putLong(16, scoped);
      // An older kernel takes the struct as it knew it; fields past that size must not be passed.
      int size = abi >= 6 ? 24 : abi >= 4 ? 16 : 8;
      this.fd =
          (int)
              syscalls.syscall(
                  "landlock_create_ruleset", SYS_CREATE_RULESET, attr.address(), size, 0, 0);
      this.pathBeneath = syscalls.allocateDirect(PATH_BENEATH_BYTES);
      warmUp();
      NoNewPrivileges.warmUp();
    }

    /**
     * Grants {@code rights} beneath {@code path}: in the directory and everything under it, or on
     * the file itself. For anything but a directory only the {@link #FILE_RIGHTS} of {@code rights}
     * are granted, which is all the kernel accepts there (so {@link #writeRights} on {@code
     * /dev/null} grants write, truncate and ioctl). Call it before forking.
     *
     * @throws IllegalArgumentException if {@code rights} has a right the ruleset does not handle,
     *     or none that applies to a file when {@code path} is not a directory
     * @throws SyscallException if {@code path} cannot be opened (e.g. {@code ENOENT}) or the rule
     *     is refused
     */
    public Ruleset allowBeneath(String path, long rights) throws SyscallException {
      checkOpen();
      if ((rights & ~handledFs) != 0) {
        throw new IllegalArgumentException(
            String.format(
                "rights 0x%x for %s include 0x%x, which the ruleset does not handle (it handles"
                    + " 0x%x): a rule may grant only handled rights",
                rights, path, rights & ~handledFs, handledFs));
      }
      // Follows symbolic links, as the open below does.
      long granted = Files.isDirectory(Path.of(path)) ? rights : rights & FILE_RIGHTS;
      if (granted == 0) {
        throw new IllegalArgumentException(
            String.format(
                "%s is not a directory, and rights 0x%x include none of the rights of a file"
                    + " (0x%x)",
                path, rights, FILE_RIGHTS));
      }
      int parent = syscalls.open(path, O_PATH | Syscalls.O_CLOEXEC);
      try {
        pathBeneath.putLong(0, granted);
        pathBeneath.putInt(PATH_BENEATH_FD, parent);
        syscalls.syscall(
            "landlock_add_rule " + path,
            SYS_ADD_RULE,
            fd,
            RULE_PATH_BENEATH,
            pathBeneath.address(),
            0);
      } finally {
        // The rule keeps its own reference to the file.
        syscalls.close(parent);
      }
      return this;
    }

    /** The ruleset's descriptor, so that code closing inherited descriptors can spare it. */
    public int fd() {
      return fd;
    }

    /**
     * {@code landlock_restrict_self(fd, 0)}: the calling thread, and the threads and processes it
     * creates afterwards, lose every handled right the rules do not grant, for good. Allocates
     * nothing unless it fails.
     *
     * <p><b>Warning:</b> other threads of this process are not restricted; call it where the caller
     * is the only thread, as in a forked child. Set {@link NoNewPrivileges} first. A thread can
     * stack at most 16 rulesets.
     *
     * @throws SyscallException {@code EPERM} without {@code no_new_privs} (and without {@code
     *     CAP_SYS_ADMIN}); {@code E2BIG} past 16 layers
     * @throws IllegalStateException if the ruleset is closed
     */
    public void restrictSelf() throws SyscallException {
      // Closed, the number may name another descriptor by now.
      checkOpen();
      restrict(fd);
    }

    private void restrict(int descriptor) throws SyscallException {
      syscalls.syscall("landlock_restrict_self", SYS_RESTRICT_SELF, descriptor, 0, 0, 0);
    }

    /**
     * Runs the code of {@link #restrictSelf} once, on descriptor -1, which the kernel refuses with
     * {@code EBADF}: the first run of code in an interpreted child costs tens of microseconds more
     * than later runs, and a forked child inherits what the parent has run.
     */
    private void warmUp() {
      try {
        restrict(-1);
      } catch (SyscallException expected) {
        // EBADF: nothing was restricted.
      }
    }

    /**
     * Closes the descriptor; a restriction already made stays. A child closes its inherited copy
     * after {@link #restrictSelf}; the parent closes its own when no child will need it. Closing
     * twice does nothing.
     */
    @Override
    public void close() throws SyscallException {
      if (!closed) {
        closed = true;
        syscalls.close(fd);
      }
    }

    private void checkOpen() {
      if (closed) {
        throw new IllegalStateException("the ruleset is closed");
      }
    }
  }
}
