package dev.isolate.posix;

import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

/**
 * Run by {@link SandboxIT} in a JVM of its own: sandboxes its main thread (which the launcher made,
 * and which makes every thread started below), then tries things and prints one line per probe,
 * {@code name: ok detail} or {@code name: denied exception}.
 *
 * <p>Arguments: {@code none|landlock|seccomp|both}, the writable directory, a file outside it, a
 * TCP port and a UDP port on 127.0.0.1.
 */
final class SandboxProbe {
  private SandboxProbe() {}

  /** Loaded only once the sandbox is on: class loading must still work. */
  static final class Late {
    private Late() {}

    static String greeting() {
      return "loaded late";
    }
  }

  public static void main(String[] args) throws Exception {
    String mode = args[0];
    Path writable = Path.of(args[1]);
    Path victim = Path.of(args[2]);
    int tcpPort = Integer.parseInt(args[3]);
    int udpPort = Integer.parseInt(args[4]);
    boolean landlock = mode.equals("landlock") || mode.equals("both");
    boolean seccomp = mode.equals("seccomp") || mode.equals("both");

    // Prepared ahead, as the worker image does before it forks.
    Landlock.Ruleset ruleset = null;
    if (landlock) {
      int abi = Landlock.abiVersion();
      ruleset =
          Landlock.newRuleset(
              Landlock.writeRights(abi), Landlock.netRights(abi), Landlock.scopes(abi));
      ruleset.allowBeneath(writable.toString(), Landlock.writeRights(abi));
    }
    SeccompFilter.Prepared filter =
        seccomp
            ? SeccompFilter.prepare(SeccompPolicy.baseline().withExecDenied().withNetworkDenied())
            : null;

    // What a child does: no_new_privs, Landlock, seccomp.
    long start = System.nanoTime();
    if (landlock || seccomp) {
      NoNewPrivileges.set();
    }
    long privileges = System.nanoTime();
    if (ruleset != null) {
      ruleset.restrictSelf();
      ruleset.close();
    }
    long restricted = System.nanoTime();
    if (filter != null) {
      filter.installOnCurrentThread();
    }
    long filtered = System.nanoTime();
    System.out.printf(
        "cost: no_new_privs %d us, restrict_self+close %d us, seccomp install %d us (first call in"
            + " this JVM)%n",
        (privileges - start) / 1000,
        (restricted - privileges) / 1000,
        (filtered - restricted) / 1000);

    probe("read_outside", () -> Files.readString(victim));
    probe("write_outside", () -> Files.writeString(victim, "changed").toString());
    probe(
        "append_outside",
        () -> {
          try (OutputStream out = new FileOutputStream(victim.toFile(), true)) {
            out.write('!');
          }
          return "";
        });
    probe("create_outside", () -> Files.createFile(victim.resolveSibling("created")).toString());
    probe(
        "delete_outside",
        () -> {
          Files.delete(victim);
          return "";
        });
    probe(
        "write_inside",
        () -> Files.writeString(writable.resolve("inside.txt"), "written").toString());
    probe("temp_file_inside", () -> Files.createTempFile(writable, "probe", ".tmp").toString());
    probe(
        "list_java_home",
        () -> {
          try (Stream<Path> files = Files.list(Path.of(System.getProperty("java.home")))) {
            return files.count() + " entries";
          }
        });
    InetAddress loopback = InetAddress.getByAddress(new byte[] {127, 0, 0, 1});
    probe(
        "tcp_connect",
        () -> {
          try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(loopback, tcpPort), 5000);
            socket.getOutputStream().write("hello".getBytes(StandardCharsets.US_ASCII));
          }
          return "";
        });
    probe(
        "udp_send",
        () -> {
          try (DatagramSocket socket = new DatagramSocket()) {
            byte[] bytes = "datagram".getBytes(StandardCharsets.US_ASCII);
            socket.send(new DatagramPacket(bytes, bytes.length, loopback, udpPort));
          }
          return "";
        });
    probe(
        "exec",
        () -> {
          Process process = new ProcessBuilder("true").start();
          return "exit " + process.waitFor();
        });
    probe(
        "thread",
        () -> {
          AtomicReference<String> seen = new AtomicReference<>("not run");
          Thread thread = new Thread(() -> seen.set("ran"));
          thread.start();
          thread.join();
          return seen.get();
        });
    probe(
        "class_load",
        () ->
            (String)
                Class.forName(SandboxProbe.class.getName() + "$Late")
                    .getDeclaredMethod("greeting")
                    .invoke(null));
    // Harmless arguments: without the filter each fails (or does nothing), with its own errno.
    rawSyscall("unshare", SyscallNumber.UNSHARE, 0, 0);
    rawSyscall("setns", SyscallNumber.SETNS, -1, 0);
    rawSyscall("ptrace", SyscallNumber.PTRACE, 3, 0);
    rawSyscall("clone_newuser", SyscallNumber.CLONE, 0x10000000 | 0x10000, 0);
    rawSyscall("clone3", SyscallNumber.CLONE3, 0, 0);
    rawSyscall("io_uring_setup", SyscallNumber.IO_URING_SETUP, 0, 0);
    rawSyscall("listen", SyscallNumber.LISTEN, -1, 0);
    // thread-self: Landlock and seccomp cover this thread, not the launcher's first one.
    probe(
        "status",
        () -> {
          List<String> lines = Files.readAllLines(Path.of("/proc/thread-self/status"));
          return String.join(
              " ",
              lines.stream()
                  .filter(line -> line.startsWith("NoNewPrivs") || line.startsWith("Seccomp:"))
                  .map(line -> line.replaceAll("\\s+", ""))
                  .toList());
        });
    System.out.flush();
  }

  private static void rawSyscall(String name, SyscallNumber call, long a1, long a2) {
    probe(
        "syscall_" + name,
        () -> {
          try {
            Arch arch = Arch.current().orElseThrow();
            return "returned "
                + JnrSyscalls.binding().syscall(name, arch.number(call), a1, a2, 0, 0);
          } catch (SyscallException e) {
            return "errno " + Errno.name(e.errno());
          }
        });
  }

  private static void probe(String name, Callable<String> action) {
    String result;
    try {
      result = "ok " + action.call();
    } catch (IOException | ReflectiveOperationException | RuntimeException e) {
      result = "denied " + e;
    } catch (Exception e) {
      result = "failed " + e;
    }
    System.out.println(name + ": " + result.strip());
  }
}
