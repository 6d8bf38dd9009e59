package dev.isolate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.isolate.posix.Signals;
import java.io.IOException;
import java.io.InputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sandbox, provoked for real: each restriction fails the forbidden operation inside the child
 * with the operating system's error, leaves what it protects as it was, and never reaches the
 * worker image, the caller or another isolator's children.
 */
@Timeout(120)
class SandboxIT {
  @TempDir static Path temp;

  private static Path writable;
  private static Path outside;
  private static Isolator sandboxed;
  private static Isolator open;

  /** A TCP server on 127.0.0.1 that counts the connections it accepted. */
  private static ServerSocket server;

  private static final AtomicInteger accepted = new AtomicInteger();

  @BeforeAll
  static void start() throws IOException {
    writable = Files.createDirectories(temp.resolve("writable"));
    outside = Files.createDirectories(temp.resolve("outside"));
    Files.writeString(outside.resolve("victim.txt"), "original");
    Files.createDirectories(outside.resolve("victim-dir"));
    sandboxed =
        Isolator.builder()
            .sandbox(
                Sandbox.builder().denyNetwork().readOnlyFileSystem(writable).denyExec().build())
            .forwardChildOutput(false)
            .build();
    open = Isolator.builder().forwardChildOutput(false).build();
    server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread acceptor =
        new Thread(
            () -> {
              while (!server.isClosed()) {
                try {
                  server.accept().close();
                  accepted.incrementAndGet();
                } catch (IOException e) {
                  // Closed.
                }
              }
            },
            "sandbox-it-server");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  @AfterAll
  static void stop() throws IOException {
    server.close();
    sandboxed.close();
    open.close();
  }

  @Test
  void aTcpConnectFailsInTheSandboxAndTheServerSeesNothingWhileAnOpenChildConnects()
      throws Exception {
    int port = server.getLocalPort();
    int before = accepted.get();

    String denied = sandboxed.execute(() -> connect(port));

    assertThat(denied).startsWith("java.net.").contains("Permission denied");
    Thread.sleep(200);
    assertThat(accepted.get()).as("connections the server accepted").isEqualTo(before);

    assertThat(open.execute(() -> connect(port))).isEqualTo("connected");
    awaitAccepted(before + 1);
  }

  @Test
  void aUdpSendFailsInTheSandboxAndNothingArrives() throws Exception {
    try (DatagramSocket receiver = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
      receiver.setSoTimeout(300);
      int port = receiver.getLocalPort();

      String denied = sandboxed.execute(() -> sendDatagram(port));

      assertThat(denied).startsWith("java.net.SocketException").contains("Operation not permitted");
      assertThatThrownBy(() -> receiver.receive(new DatagramPacket(new byte[16], 16)))
          .isInstanceOf(SocketTimeoutException.class);

      assertThat(open.execute(() -> sendDatagram(port))).isEqualTo("sent");
      DatagramPacket packet = new DatagramPacket(new byte[16], 16);
      receiver.setSoTimeout(10_000);
      receiver.receive(packet);
      assertThat(new String(packet.getData(), 0, packet.getLength(), StandardCharsets.UTF_8))
          .isEqualTo("udp");
    }
  }

  @Test
  void writesCreatesAndDeletesOutsideTheWritablePathsFailAndLeaveTheFilesAsTheyWere()
      throws Exception {
    String victim = outside.resolve("victim.txt").toString();
    String directory = outside.toString();

    List<String> seen =
        sandboxed.execute(
            () -> {
              List<String> results = new ArrayList<>();
              results.add(attempt(() -> Files.writeString(Path.of(victim), "overwritten")));
              results.add(attempt(() -> Files.createFile(Path.of(directory, "created.txt"))));
              results.add(attempt(() -> Files.delete(Path.of(victim))));
              results.add(attempt(() -> Files.delete(Path.of(directory, "victim-dir"))));
              results.add(attempt(() -> new java.io.FileOutputStream(victim, true).close()));
              return results;
            });

    assertThat(seen)
        .containsExactly(
            "java.nio.file.AccessDeniedException: " + victim,
            "java.nio.file.AccessDeniedException: " + directory + "/created.txt",
            "java.nio.file.AccessDeniedException: " + victim,
            "java.nio.file.AccessDeniedException: " + directory + "/victim-dir",
            "java.io.FileNotFoundException: " + victim + " (Permission denied)");
    assertThat(Files.readString(outside.resolve("victim.txt"))).isEqualTo("original");
    assertThat(outside.resolve("victim-dir")).isDirectory();
    try (var entries = Files.list(outside)) {
      assertThat(entries.map(p -> p.getFileName().toString()))
          .containsExactlyInAnyOrder("victim.txt", "victim-dir");
    }
  }

  @Test
  void writingUnderAWritablePathWorksAndReadingAnywhereWorks() throws Exception {
    String under = writable.toString();
    String victim = outside.resolve("victim.txt").toString();

    String read =
        sandboxed.execute(
            () -> {
              Path file = Files.writeString(Path.of(under, "out.txt"), "written");
              Files.createDirectories(Path.of(under, "a", "b"));
              Files.move(file, Path.of(under, "a", "b", "moved.txt"));
              Files.writeString(Path.of(under, "gone.txt"), "x");
              Files.delete(Path.of(under, "gone.txt"));
              new java.io.FileOutputStream("/dev/null").close();
              return Files.readString(Path.of(victim))
                  + " "
                  + Files.readAllLines(Path.of("/etc/passwd")).isEmpty()
                  + " "
                  + Files.readString(Path.of(under, "a", "b", "moved.txt"));
            });

    assertThat(read).isEqualTo("original false written");
    assertThat(Files.readString(writable.resolve("a/b/moved.txt"))).isEqualTo("written");
    assertThat(writable.resolve("gone.txt")).doesNotExist();
  }

  @Test
  void startingAProgramFails() throws Exception {
    String denied =
        sandboxed.execute(() -> attempt(() -> new ProcessBuilder("true").start().waitFor()));

    assertThat(denied).startsWith("java.io.IOException").contains("Operation not permitted");
    assertThat(open.execute(() -> new ProcessBuilder("true").start().waitFor())).isZero();
  }

  @Test
  void aForbiddenOperationThatPropagatesFailsTheCallAsCallableThrew() {
    String victim = outside.resolve("victim.txt").toString();

    assertThatThrownBy(
            () -> sandboxed.execute(() -> Files.writeString(Path.of(victim), "overwritten")))
        .isInstanceOfSatisfying(
            CallableExecutedException.class,
            e -> {
              assertThat(e.reason()).isEqualTo(Reason.CALLABLE_THREW);
              assertThat(e.getCause()).isInstanceOf(java.nio.file.AccessDeniedException.class);
            });
  }

  @Test
  void underAllThreeTheJvmInTheChildStaysHealthy() throws Exception {
    String healthy =
        sandboxed.execute(
            () -> {
              // A class no child has loaded yet, from the class path's jars or directories.
              String loaded = new FirstLoaded().toString();
              String caught;
              try {
                throw new IllegalStateException("thrown");
              } catch (IllegalStateException e) {
                caught = e.getMessage();
              }
              Thread thread = new Thread(() -> {});
              thread.start();
              thread.join();
              return loaded + " " + caught + " " + (Libc.INSTANCE.getpid() > 0);
            });
    assertThat(healthy).isEqualTo("first-loaded thrown true");

    byte[] large = sandboxed.execute(() -> new byte[32 << 20]);
    assertThat(large).hasSize(32 << 20);
  }

  @Test
  void aNativeSegfaultInTheSandboxIsReportedWithItsCrashReport() {
    assertThatThrownBy(() -> sandboxed.execute(Libc::segfault))
        .isInstanceOfSatisfying(
            CallableStatusUnknownException.class,
            e -> {
              assertThat(e.reason()).isEqualTo(Reason.CHILD_PROCESS_KILLED_BY_SIGNAL);
              assertThat(e.signal()).hasValue(Signals.SIGABRT);
              CrashReport report = e.crashReport().orElseThrow();
              assertThat(report.fatalSignal()).hasValue("SIGSEGV");
              assertThat(report.hsErrFile()).hasValueSatisfying(f -> assertThat(f).exists());
            });
  }

  @Test
  void everyChildIsSandboxedPreforkedSparesIncluded() throws Exception {
    for (int i = 0; i < 6; i++) {
      String status = sandboxed.execute(SandboxIT::privilegeStatus);
      assertThat(status).as("call %d", i).isEqualTo("NoNewPrivs:1 Seccomp:2");
      // Calls apart: the worker image refills its spares, and the next call takes one.
      Thread.sleep(50);
    }
  }

  @Test
  void theWorkerImageTheCallerAndAnotherIsolatorsChildrenAreNotRestricted() throws Exception {
    long worker = sandboxed.workerPid();
    assertThat(privilegeStatus(Path.of("/proc/" + worker + "/status")))
        .as("the worker image")
        .isEqualTo("NoNewPrivs:0 Seccomp:0");
    assertThat(privilegeStatus()).as("the caller").isEqualTo("NoNewPrivs:0 Seccomp:0");

    // Both at once: the open isolator's child connects while a sandboxed call runs.
    int port = server.getLocalPort();
    int before = accepted.get();
    CompletableFuture<String> inSandbox =
        sandboxed.submit(
            () -> {
              Thread.sleep(300);
              return connect(port);
            });
    assertThat(open.execute(() -> connect(port) + " " + privilegeStatus()))
        .isEqualTo("connected NoNewPrivs:0 Seccomp:0");
    assertThat(inSandbox.get()).contains("Permission denied");
    awaitAccepted(before + 1);
    Files.writeString(outside.resolve("caller.txt"), "the caller writes");
    Files.delete(outside.resolve("caller.txt"));
  }

  @Test
  void aSandboxedChildCannotSignalItsWorkerImageWhereTheKernelHasLandlockScopes() throws Exception {
    assumeTrue(dev.isolate.posix.Landlock.abiVersion() >= 6, "Landlock scopes need ABI 6");

    // Signal 0: the permission check alone, nothing delivered.
    assertThat(sandboxed.execute(() -> Libc.INSTANCE.kill(parentPid(), 0))).isEqualTo(-1);
    assertThat(open.execute(() -> Libc.INSTANCE.kill(parentPid(), 0))).isZero();
  }

  @Test
  void anIsolatorWithASandboxRefusesCallsInPlaceInsideAnIsolatedCall() throws Exception {
    String seen =
        open.execute(
            () -> {
              Sandbox nested = Sandbox.builder().denyExec().build();
              try (Isolator inner = Isolator.builder().sandbox(nested).build()) {
                return "ran " + inner.execute(() -> 1);
              } catch (CallableDidNotExecuteException e) {
                return e.reason() + ": " + e.getMessage();
              }
            });

    assertThat(seen).startsWith("CHILD_SETUP_FAILED: an isolator with a sandbox");
  }

  // What the children run.

  static final class FirstLoaded {
    @Override
    public String toString() {
      return "first-loaded";
    }
  }

  private interface Attempt {
    void run() throws Exception;
  }

  /** What the attempt threw, class and message, or "ok". */
  private static String attempt(Attempt attempt) {
    try {
      attempt.run();
      return "ok";
    } catch (Exception e) {
      return e.getClass().getName() + ": " + e.getMessage();
    }
  }

  private static String connect(int port) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 5_000);
      return "connected";
    } catch (IOException e) {
      return e.getClass().getName() + ": " + e.getMessage();
    }
  }

  private static String sendDatagram(int port) {
    try (DatagramSocket socket = new DatagramSocket()) {
      byte[] bytes = "udp".getBytes(StandardCharsets.UTF_8);
      socket.send(new DatagramPacket(bytes, bytes.length, InetAddress.getLoopbackAddress(), port));
      return "sent";
    } catch (IOException e) {
      return e.getClass().getName() + ": " + e.getMessage();
    }
  }

  /** The parent's pid, field 4 of {@code /proc/self/stat}. */
  private static int parentPid() throws IOException {
    String stat = Files.readString(Path.of("/proc/self/stat"));
    return Integer.parseInt(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[1]);
  }

  private static String privilegeStatus() throws IOException {
    return privilegeStatus(Path.of("/proc/self/status"));
  }

  private static String privilegeStatus(Path status) throws IOException {
    String noNewPrivs = "?";
    String seccomp = "?";
    try (InputStream in = Files.newInputStream(status)) {
      for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
        if (line.startsWith("NoNewPrivs:")) {
          noNewPrivs = line.substring(11).strip();
        } else if (line.startsWith("Seccomp:")) {
          seccomp = line.substring(8).strip();
        }
      }
    }
    return "NoNewPrivs:" + noNewPrivs + " Seccomp:" + seccomp;
  }

  private static void awaitAccepted(int count) throws InterruptedException {
    for (int i = 0; i < 100 && accepted.get() < count; i++) {
      Thread.sleep(50);
    }
    assertThat(accepted.get()).as("connections the server accepted").isEqualTo(count);
  }
}
