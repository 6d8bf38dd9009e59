package dev.isolate.internal.worker;

import dev.isolate.internal.wire.SandboxRules;
import dev.isolate.posix.Landlock;
import dev.isolate.posix.NoNewPrivileges;
import dev.isolate.posix.SeccompFilter;
import dev.isolate.posix.SeccompPolicy;
import dev.isolate.posix.SyscallException;

/**
 * The sandbox of every child of this worker image, prepared once in the worker image (the Landlock
 * ruleset and its rules, the seccomp program in native memory), so that a child entering it makes
 * three system calls and allocates nothing. The worker image itself is never restricted.
 */
final class ChildSandbox {
  /** Where anything may be written, sandbox or not, and nothing is kept. */
  private static final String DEV_NULL = "/dev/null";

  private final Landlock.Ruleset ruleset;
  private final SeccompFilter.Prepared filter;

  private ChildSandbox(Landlock.Ruleset ruleset, SeccompFilter.Prepared filter) {
    this.ruleset = ruleset;
    this.filter = filter;
  }

  /**
   * The sandbox {@code rules} say, or null for none.
   *
   * @throws SyscallException if the kernel refuses a part of it (the caller checked that it has
   *     them all, so this is a path that went away, say)
   */
  static ChildSandbox prepare(SandboxRules rules) throws SyscallException {
    if (!rules.restricted()) {
      return null;
    }
    int abi = Landlock.abiVersion();
    long handledFs = rules.readOnlyFileSystem() ? Landlock.writeRights(abi) : 0;
    long handledNet = rules.denyNetwork() ? Landlock.netRights(abi) : 0;
    // Not asked for, and taken where the kernel has them: no signal to, and no abstract socket of,
    // a process outside the sandbox (the worker image, the caller).
    long scoped = Landlock.scopes(abi);
    Landlock.Ruleset ruleset = null;
    if ((handledFs | handledNet | scoped) != 0) {
      ruleset = Landlock.newRuleset(handledFs, handledNet, scoped);
      if (handledFs != 0) {
        for (String path : rules.writable()) {
          ruleset.allowBeneath(path, handledFs);
        }
        ruleset.allowBeneath(DEV_NULL, handledFs & Landlock.FILE_RIGHTS);
      }
    }
    SeccompPolicy policy = SeccompPolicy.baseline();
    if (rules.denyExec()) {
      policy = policy.withExecDenied();
    }
    if (rules.denyNetwork()) {
      policy = policy.withNetworkDenied();
    }
    return new ChildSandbox(ruleset, SeccompFilter.prepare(policy));
  }

  /**
   * In a new child, before it reads anything of its call: enters the sandbox, for good. The
   * ruleset's descriptor is left for the child's set-up to close with the worker's others.
   */
  void enter() throws SyscallException {
    NoNewPrivileges.set();
    if (ruleset != null) {
      ruleset.restrictSelf();
    }
    filter.installOnCurrentThread();
  }
}
