package dev.isolate.posix;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Run by hand, not by the build: what the sandbox costs in a forked child, in microseconds, the way
 * isolate's worker image pays it (ruleset and filter prepared in the parent; the child sets
 * no_new_privs, restricts itself, closes the ruleset, installs the filter). Each step is repeated
 * once in the same child, to show what it costs once the child has run that code before.
 *
 * <pre>
 * java -Xint -XX:+UnlockExperimentalVMOptions -XX:+UseEpsilonGC -Xmx1g -XX:-UsePerfData \
 *     -cp target/classes:target/test-classes:$(jnr class path) dev.isolate.posix.SandboxCost 200
 * </pre>
 */
final class SandboxCost {
  private static final String[] STEPS = {
    "first libc call",
    "no_new_privs",
    "no_new_privs again",
    "restrict_self",
    "restrict_self again",
    "close ruleset",
    "seccomp install",
    "seccomp install again"
  };

  private SandboxCost() {}

  public static void main(String[] args) throws Exception {
    int children = args.length > 0 ? Integer.parseInt(args[0]) : 200;
    Syscalls syscalls = Syscalls.system();
    int abi = Landlock.abiVersion();
    Path first = Files.createTempDirectory("sandbox-cost");
    Path second = Files.createTempDirectory("sandbox-cost");
    Landlock.Ruleset ruleset =
        Landlock.newRuleset(
                Landlock.writeRights(abi), Landlock.netRights(abi), Landlock.scopes(abi))
            .allowBeneath(first.toString(), Landlock.writeRights(abi))
            .allowBeneath(second.toString(), Landlock.writeRights(abi));
    SeccompFilter.Prepared filter =
        SeccompFilter.prepare(SeccompPolicy.baseline().withExecDenied().withNetworkDenied());
    NativeBuffer buffer = syscalls.allocate(8 * (STEPS.length + 1));
    long[][] samples = new long[STEPS.length][children];
    // The child's timing code itself, run once here so that the child inherits it warm.
    buffer.putLong(0, System.nanoTime());
    // Resolves this class's reference to NoNewPrivileges, which would cost the child ~100 us.
    NoNewPrivileges.isSet();
    for (int child = 0; child < children; child++) {
      Pipe pipe = syscalls.pipe();
      ForkResult forked = syscalls.fork();
      if (forked instanceof ForkResult.Child) {
        syscalls.exitImmediately(sandbox(syscalls, ruleset, filter, buffer, pipe.writeFd()));
      }
      syscalls.close(pipe.writeFd());
      int read = 0;
      while (read < buffer.capacity()) {
        int n = syscalls.read(pipe.readFd(), buffer, read, buffer.capacity() - read);
        if (n == 0) {
          break;
        }
        read += n;
      }
      syscalls.close(pipe.readFd());
      Syscalls.WaitResult reaped = syscalls.waitpid(((ForkResult.Parent) forked).childPid(), false);
      if (read != buffer.capacity() || !reaped.status().equals(WaitStatus.ofExit(0))) {
        throw new IllegalStateException("child " + child + " failed: " + reaped.status());
      }
      for (int step = 0; step < STEPS.length; step++) {
        samples[step][child] = readLong(buffer, 8 * (step + 1)) - readLong(buffer, 8 * step);
      }
    }
    Files.delete(first);
    Files.delete(second);
    System.out.printf(
        "Landlock ABI %d, %d BPF instructions, %d children; microseconds in the child:%n",
        abi, filter.instructionCount(), children);
    for (int step = 0; step < STEPS.length; step++) {
      long[] sorted = samples[step].clone();
      Arrays.sort(sorted);
      System.out.printf(
          "  %-22s median %6.1f  p90 %6.1f%n",
          STEPS[step], sorted[children / 2] / 1000.0, sorted[children * 9 / 10] / 1000.0);
    }
  }

  /**
   * The child: every step timed, the times sent to the parent; the exit status says if it worked.
   */
  private static int sandbox(
      Syscalls syscalls,
      Landlock.Ruleset ruleset,
      SeccompFilter.Prepared filter,
      NativeBuffer times,
      int out) {
    try {
      // A forked child pays for its first libc call, whatever it is; isolate's children make
      // several before they sandbox themselves.
      times.putLong(0, System.nanoTime());
      syscalls.getppid();
      times.putLong(8, System.nanoTime());
      NoNewPrivileges.set();
      times.putLong(16, System.nanoTime());
      NoNewPrivileges.set();
      times.putLong(24, System.nanoTime());
      ruleset.restrictSelf();
      times.putLong(32, System.nanoTime());
      ruleset.restrictSelf();
      times.putLong(40, System.nanoTime());
      ruleset.close();
      times.putLong(48, System.nanoTime());
      filter.installOnCurrentThread();
      times.putLong(56, System.nanoTime());
      filter.installOnCurrentThread();
      times.putLong(64, System.nanoTime());
      Io.writeFully(syscalls, out, times, 0, times.capacity());
      return 0;
    } catch (SyscallException | RuntimeException e) {
      return 1;
    }
  }

  private static long readLong(NativeBuffer buffer, int offset) {
    return (long) buffer.getInt(offset) << 32 | (buffer.getInt(offset + 4) & 0xFFFF_FFFFL);
  }
}
