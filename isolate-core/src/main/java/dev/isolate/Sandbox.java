package dev.isolate;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What a child may not do, enforced by the kernel in every child of an isolator before it reads its
 * callable, so that native code that was exploited (a parser fed a crafted input) can crash its
 * child but cannot reach the network, write files or start programs with the caller's rights.
 *
 * <pre>{@code
 * Isolator isolator = Isolator.builder()
 *     .sandbox(Sandbox.builder().denyNetwork().readOnlyFileSystem(outputDir).denyExec().build())
 *     .build();
 * }</pre>
 *
 * <p>A forbidden operation fails in the child as the operating system's error: Java code sees an
 * exception ({@code SocketException}, {@code AccessDeniedException}, {@code IOException}), native
 * code {@code -1} and {@code errno} ({@code EACCES} for a file or a TCP port, {@code EPERM} for the
 * rest). A callable can catch it; one that lets it propagate fails the call with {@link
 * Reason#CALLABLE_THREW}.
 *
 * <p>Under any sandbox but {@link #none()} a child also sets {@code PR_SET_NO_NEW_PRIVS} and a
 * seccomp filter denies calls no callable needs ({@code ptrace}, {@code process_vm_*}, {@code
 * mount} and the mount API, {@code bpf}, {@code keyctl}, {@code kexec_*}, kernel modules, {@code
 * unshare}, {@code setns}, new namespaces, {@code perf_event_open}, {@code userfaultfd}, {@code
 * io_uring}); where the kernel has Landlock scopes (ABI 6, Linux 6.12) it can send no signal to a
 * process outside its sandbox and reach no abstract Unix socket outside it. The worker image, the
 * caller and the children of other isolators are not restricted. Linux on x86_64 and aarch64 only.
 * Immutable.
 */
public final class Sandbox {
  private static final Sandbox NONE = new Sandbox(false, false, List.of(), false, false);

  private final boolean restricted;
  private final boolean denyNetwork;
  private final List<Path> writable;
  private final boolean readOnlyFileSystem;
  private final boolean denyExec;

  private Sandbox(
      boolean restricted,
      boolean denyNetwork,
      List<Path> writable,
      boolean readOnlyFileSystem,
      boolean denyExec) {
    this.restricted = restricted;
    this.denyNetwork = denyNetwork;
    this.writable = writable;
    this.readOnlyFileSystem = readOnlyFileSystem;
    this.denyExec = denyExec;
  }

  /** No restriction: a child may do what the caller may. The default of every isolator. */
  public static Sandbox none() {
    return NONE;
  }

  /** A builder of a sandbox that restricts nothing yet but the baseline (see above). */
  public static Builder builder() {
    return new Builder();
  }

  /** Whether this is {@link #none()}. */
  public boolean isNone() {
    return !restricted;
  }

  /** Whether a child may not use the network over IPv4 or IPv6: see {@link Builder#denyNetwork}. */
  public boolean deniesNetwork() {
    return denyNetwork;
  }

  /**
   * The directories and files a child may write under, when the file system is read-only to it (see
   * {@link Builder#readOnlyFileSystem}); empty when it is not.
   */
  public Optional<List<Path>> writablePaths() {
    return readOnlyFileSystem ? Optional.of(writable) : Optional.empty();
  }

  /** Whether a child may not start programs: see {@link Builder#denyExec}. */
  public boolean deniesExec() {
    return denyExec;
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof Sandbox that
        && restricted == that.restricted
        && denyNetwork == that.denyNetwork
        && readOnlyFileSystem == that.readOnlyFileSystem
        && denyExec == that.denyExec
        && writable.equals(that.writable);
  }

  @Override
  public int hashCode() {
    return Objects.hash(restricted, denyNetwork, readOnlyFileSystem, denyExec, writable);
  }

  @Override
  public String toString() {
    if (!restricted) {
      return "Sandbox.none()";
    }
    List<String> parts = new ArrayList<>();
    if (denyNetwork) {
      parts.add("denyNetwork");
    }
    if (readOnlyFileSystem) {
      parts.add("readOnlyFileSystem" + writable);
    }
    if (denyExec) {
      parts.add("denyExec");
    }
    return "Sandbox" + parts;
  }

  /** What a sandbox denies; {@link #build()} checks that the kernel can enforce all of it. */
  public static final class Builder {
    private boolean denyNetwork;
    private final List<Path> writable = new ArrayList<>();
    private boolean readOnlyFileSystem;
    private boolean denyExec;

    private Builder() {}

    /**
     * No network over IPv4 or IPv6: a TCP connect or bind fails ({@code EACCES}, which Java reports
     * as {@code BindException: Permission denied}, a connect too), and so do a UDP, raw, SCTP or
     * MPTCP socket, {@code listen}, TCP Fast Open, and sockets of other families than Unix and
     * netlink ({@code EPERM}: "Operation not permitted"). Name lookups that need DNS fail with
     * {@code UnknownHostException}; {@code /etc/hosts} still answers. Unix sockets stay usable.
     * Enforced by Landlock (TCP, ABI 4: Linux 6.7) and seccomp (the rest).
     */
    public Builder denyNetwork() {
      this.denyNetwork = true;
      return this;
    }

    /**
     * Read anything; write, create, delete, rename, truncate or link only beneath {@code writable}
     * (directories, or single files), plus {@code /dev/null} and the isolator's crash directory
     * (where a crashing child writes its {@code hs_err} report). Outside them a write fails with
     * {@code EACCES}: {@code AccessDeniedException} from {@code java.nio.file}, {@code
     * FileNotFoundException} "(Permission denied)" from {@code java.io}; {@code
     * Files.createTempFile} fails unless {@code java.io.tmpdir} is writable. Descriptors a child
     * holds from before (its pipes, standard streams) keep working. Not covered by Landlock: {@code
     * chmod}, {@code chown}, {@code utime} and extended attributes of existing files. Enforced by
     * Landlock (ABI 3: Linux 6.2). Calling this again adds paths.
     *
     * @throws IllegalArgumentException if a path does not exist (a rule is made on the file itself)
     */
    public Builder readOnlyFileSystem(Path... writable) {
      Objects.requireNonNull(writable, "writable");
      for (Path path : writable) {
        Objects.requireNonNull(path, "writable path");
        Path absolute = path.toAbsolutePath().normalize();
        if (!Files.exists(absolute)) {
          throw new IllegalArgumentException(
              "readOnlyFileSystem: writable path "
                  + absolute
                  + " does not exist; create it first (the sandbox allows writes beneath it)");
        }
        if (!this.writable.contains(absolute)) {
          this.writable.add(absolute);
        }
      }
      this.readOnlyFileSystem = true;
      return this;
    }

    /**
     * No new programs: {@code execve} and {@code execveat} fail with {@code EPERM}, so {@code
     * ProcessBuilder.start()} and {@code Runtime.exec} throw {@code IOException} ("error=1,
     * Operation not permitted"). Forking stays possible (what a forked process runs is the child's
     * own code, under the same sandbox). Enforced by seccomp.
     */
    public Builder denyExec() {
      this.denyExec = true;
      return this;
    }

    /**
     * The sandbox, once this kernel is known to enforce all of it.
     *
     * @throws IllegalStateException if the kernel lacks what a restriction needs (naming the
     *     feature and the first Linux version that has it), or the machine is not Linux on x86_64
     *     or aarch64: a sandbox is never weakened silently
     */
    public Sandbox build() {
      SandboxSupport.check(denyNetwork, readOnlyFileSystem);
      return new Sandbox(true, denyNetwork, List.copyOf(writable), readOnlyFileSystem, denyExec);
    }
  }
}
