package dev.isolate.posix;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledIf;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

/**
 * Landlock and seccomp applied for real, each in a {@link SandboxProbe} JVM of its own (the test
 * JVM is never restricted), with a TCP server and a UDP socket here that count what reaches them.
 */
@EnabledOnOs(OS.LINUX)
@Timeout(120)
class SandboxIT {
  @TempDir Path dir;
  private Path writable;
  private Path victim;
  private ServerSocket server;
  private DatagramSocket udp;

  static boolean landlockWithNetwork() throws SyscallException {
    return Landlock.abiVersion() >= 4;
  }

  static boolean seccompSupported() {
    return SeccompFilter.supported();
  }

  static boolean bothSupported() throws SyscallException {
    return landlockWithNetwork() && seccompSupported();
  }

  @BeforeEach
  void setUp() throws IOException {
    writable = Files.createDirectory(dir.resolve("writable"));
    Path outside = Files.createDirectory(dir.resolve("outside"));
    victim = Files.writeString(outside.resolve("victim.txt"), "original");
    InetAddress loopback = InetAddress.getByAddress(new byte[] {127, 0, 0, 1});
    server = new ServerSocket(0, 50, loopback);
    udp = new DatagramSocket(new InetSocketAddress(loopback, 0));
  }

  @AfterEach
  void tearDown() throws IOException {
    server.close();
    udp.close();
  }

  /** What a probe printed, and what reached this test's sockets. */
  record Run(Map<String, String> results, int accepted, int datagrams, String output) {
    String result(String probe) {
      return results.getOrDefault(probe, "missing from:\n" + output);
    }
  }

  private Run probe(String mode) throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    String classPath =
        System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    Process process =
        new ProcessBuilder(
                java,
                // The JVM would delete its hsperfdata file at exit, which Landlock refuses.
                "-XX:-UsePerfData",
                "-cp",
                classPath,
                SandboxProbe.class.getName(),
                mode,
                writable.toString(),
                victim.toString(),
                Integer.toString(server.getLocalPort()),
                Integer.toString(udp.getLocalPort()))
            .redirectErrorStream(true)
            .start();
    process.getOutputStream().close();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).as(output).isTrue();
    assertThat(process.exitValue()).as(output).isZero();
    System.out.println("probe " + mode + ":\n" + output);
    Map<String, String> results = new LinkedHashMap<>();
    for (String line : output.split("\n")) {
      int colon = line.indexOf(": ");
      if (colon > 0) {
        results.put(line.substring(0, colon), line.substring(colon + 2));
      }
    }
    return new Run(results, countAccepted(), countDatagrams(), output);
  }

  /** The connections the probe made, which wait in the backlog even after it exited. */
  private int countAccepted() throws IOException {
    server.setSoTimeout(300);
    int accepted = 0;
    while (true) {
      try {
        server.accept().close();
        accepted++;
      } catch (SocketTimeoutException e) {
        return accepted;
      }
    }
  }

  private int countDatagrams() throws IOException {
    udp.setSoTimeout(300);
    int received = 0;
    while (true) {
      try {
        udp.receive(new DatagramPacket(new byte[64], 64));
        received++;
      } catch (SocketTimeoutException e) {
        return received;
      }
    }
  }

  @Test
  void unsandboxedProbeConnectsSendsExecsAndWritesEverywhere() throws Exception {
    Run run = probe("none");

    assertThat(run.result("tcp_connect")).startsWith("ok");
    assertThat(run.accepted()).isEqualTo(1);
    assertThat(run.result("udp_send")).startsWith("ok");
    assertThat(run.datagrams()).isEqualTo(1);
    assertThat(run.result("exec")).isEqualTo("ok exit 0");
    assertThat(run.result("write_outside")).startsWith("ok");
    assertThat(run.result("create_outside")).startsWith("ok");
    assertThat(run.result("status")).contains("NoNewPrivs:0", "Seccomp:0");
    // The same calls as under the filter, answered by the kernel itself.
    assertThat(run.result("syscall_unshare")).isEqualTo("ok returned 0");
    assertThat(run.result("syscall_setns")).isEqualTo("ok errno EBADF");
    assertThat(run.result("syscall_clone_newuser")).isEqualTo("ok errno EINVAL");
    assertThat(run.result("syscall_clone3")).isNotEqualTo("ok errno ENOSYS");
    assertThat(run.result("syscall_listen")).isEqualTo("ok errno EBADF");
  }

  @Test
  @EnabledIf("bothSupported")
  void fullSandboxDeniesWritesOutsideTheNetworkAndExecButTheJvmKeepsWorking() throws Exception {
    Run run = probe("both");

    assertThat(run.result("write_outside"))
        .startsWith("denied java.nio.file.AccessDeniedException");
    assertThat(run.result("append_outside"))
        .startsWith("denied java.io.FileNotFoundException")
        .contains("Permission denied");
    assertThat(run.result("create_outside"))
        .startsWith("denied java.nio.file.AccessDeniedException");
    assertThat(run.result("delete_outside"))
        .startsWith("denied java.nio.file.AccessDeniedException");
    assertThat(Files.readString(victim)).isEqualTo("original");
    try (var files = Files.list(victim.getParent())) {
      assertThat(files.toList()).containsExactly(victim);
    }

    assertThat(run.result("write_inside")).startsWith("ok");
    assertThat(Files.readString(writable.resolve("inside.txt"))).isEqualTo("written");
    assertThat(run.result("temp_file_inside")).startsWith("ok");
    assertThat(run.result("read_outside")).isEqualTo("ok original");
    assertThat(run.result("list_java_home")).startsWith("ok");

    // Landlock refuses the connect (EACCES, which the JDK reports as a BindException).
    assertThat(run.result("tcp_connect")).startsWith("denied java.net.BindException");
    assertThat(run.accepted()).isZero();
    assertThat(run.result("udp_send"))
        .startsWith("denied java.net.SocketException")
        .contains("Operation not permitted");
    assertThat(run.datagrams()).isZero();
    assertThat(run.result("exec"))
        .startsWith("denied java.io.IOException")
        .contains("Operation not permitted");

    assertThat(run.result("thread")).isEqualTo("ok ran");
    assertThat(run.result("class_load")).isEqualTo("ok loaded late");
    assertThat(run.result("status")).contains("NoNewPrivs:1", "Seccomp:2");
    assertThat(run.result("syscall_unshare")).isEqualTo("ok errno EPERM");
    assertThat(run.result("syscall_setns")).isEqualTo("ok errno EPERM");
    assertThat(run.result("syscall_ptrace")).isEqualTo("ok errno EPERM");
    assertThat(run.result("syscall_clone_newuser")).isEqualTo("ok errno EPERM");
    assertThat(run.result("syscall_clone3")).isEqualTo("ok errno ENOSYS");
    assertThat(run.result("syscall_io_uring_setup")).isEqualTo("ok errno ENOSYS");
    assertThat(run.result("syscall_listen")).isEqualTo("ok errno EPERM");
  }

  @Test
  @EnabledIf("landlockWithNetwork")
  void landlockAloneDeniesWritesOutsideAndTcpConnectButNotUdpOrExec() throws Exception {
    Run run = probe("landlock");

    assertThat(run.result("write_outside"))
        .startsWith("denied java.nio.file.AccessDeniedException");
    assertThat(Files.readString(victim)).isEqualTo("original");
    assertThat(run.result("write_inside")).startsWith("ok");
    assertThat(run.result("tcp_connect")).startsWith("denied java.net.BindException");
    assertThat(run.accepted()).isZero();
    // What the seccomp filter is for: Landlock sees neither UDP nor exec.
    assertThat(run.result("udp_send")).startsWith("ok");
    assertThat(run.datagrams()).isEqualTo(1);
    assertThat(run.result("exec")).isEqualTo("ok exit 0");
    assertThat(run.result("status")).contains("NoNewPrivs:1", "Seccomp:0");
  }

  @Test
  @EnabledIf("seccompSupported")
  void seccompAloneDeniesExecAndUdpButNotTcpOrFiles() throws Exception {
    Run run = probe("seccomp");

    assertThat(run.result("exec"))
        .startsWith("denied java.io.IOException")
        .contains("Operation not permitted");
    assertThat(run.result("udp_send")).startsWith("denied java.net.SocketException");
    assertThat(run.datagrams()).isZero();
    // Plain TCP passes the filter; connecting is Landlock's to refuse.
    assertThat(run.result("tcp_connect")).startsWith("ok");
    assertThat(run.accepted()).isEqualTo(1);
    assertThat(run.result("write_outside")).startsWith("ok");
    assertThat(run.result("thread")).isEqualTo("ok ran");
    assertThat(run.result("status")).contains("NoNewPrivs:1", "Seccomp:2");
  }
}
