package dev.isolate;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

/**
 * The pre-forked pool: children forked ahead of their calls serve them, the pool refills, and what
 * the worker image prepares for a callable's shape changes nothing of what the callable does.
 */
@EnabledOnOs(OS.LINUX)
@Timeout(120)
class PreforkedPoolIT {

  /** When the calling process was started, in clock ticks since boot, as the kernel recorded it. */
  private static long startedAtTicks() throws java.io.IOException {
    String stat = Files.readString(Path.of("/proc/self/stat"));
    return Long.parseLong(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[19]);
  }

  /** Now, in clock ticks since boot (the kernel's 100 per second). */
  private static long uptimeTicks() throws java.io.IOException {
    String uptime = Files.readString(Path.of("/proc/uptime"));
    return Math.round(Double.parseDouble(uptime.substring(0, uptime.indexOf(' '))) * 100);
  }

  @Test
  void withThePoolACallIsServedByAChildForkedBeforeIt() throws Exception {
    try (Isolator isolator =
        Isolator.builder().preforkedChildren(2).forwardChildOutput(false).build()) {
      // The first calls of a callable teach the worker image its shape, and use the spares forked
      // before.
      for (int i = 0; i < 3; i++) {
        isolator.execute(PreforkedPoolIT::startedAtTicks);
      }
      Thread.sleep(1000);
      long sentAt = uptimeTicks();
      long forkedAt = isolator.execute(PreforkedPoolIT::startedAtTicks);
      // Forked during the pause, while no call was in flight.
      assertThat(forkedAt).isLessThan(sentAt - 50);
    }
  }

  @Test
  void withoutThePoolEachCallForksItsOwnChild() throws Exception {
    try (Isolator isolator =
        Isolator.builder().preforkedChildren(0).forwardChildOutput(false).build()) {
      isolator.execute(() -> 0);
      Thread.sleep(1000);
      long sentAt = uptimeTicks();
      long forkedAt = isolator.execute(PreforkedPoolIT::startedAtTicks);
      assertThat(forkedAt).isGreaterThanOrEqualTo(sentAt - 2);
      assertThat(ProcessTable.children(isolator.workerPid()))
          .allMatch(child -> !child.endsWith(":S"));
    }
  }

  @Test
  void sparesKilledFromOutsideAreReplacedAndCallsGoOn() throws Exception {
    try (Isolator isolator =
        Isolator.builder().preforkedChildren(2).forwardChildOutput(false).build()) {
      isolator.execute(() -> 0);
      List<String> spares = awaitSpares(isolator.workerPid(), 2);
      assertThat(spares).hasSize(2).allMatch(child -> child.endsWith(":S"));
      for (String spare : spares) {
        Libc.INSTANCE.kill(Integer.parseInt(spare.substring(0, spare.indexOf(':'))), 9);
      }
      for (int i = 0; i < 5; i++) {
        int n = i;
        assertThat(isolator.execute(() -> n * 2)).isEqualTo(n * 2);
      }
      // The pool fills up again (after a spare died, the next one waits a second).
      assertThat(awaitSpares(isolator.workerPid(), 2))
          .hasSize(2)
          .allMatch(child -> child.endsWith(":S"))
          .noneMatch(spares::contains);
    }
  }

  /**
   * The worker image's children once it has {@code count} of them, all asleep; what it has after 10
   * s otherwise.
   */
  private static List<String> awaitSpares(long workerPid, int count) throws Exception {
    List<String> children = ProcessTable.settledChildren(workerPid);
    for (int i = 0; i < 200 && children.size() != count; i++) {
      Thread.sleep(50);
      children = ProcessTable.settledChildren(workerPid);
    }
    return children;
  }

  @Test
  void aCallableTooLargeForASparesPipeGetsAChildOfItsOwn() throws Exception {
    try (Isolator isolator =
        Isolator.builder().preforkedChildren(2).forwardChildOutput(false).build()) {
      byte[] large = new byte[1 << 20];
      large[12345] = 7;
      for (int i = 0; i < 3; i++) {
        assertThat(isolator.execute(() -> large.length + large[12345])).isEqualTo((1 << 20) + 7);
      }
    }
  }

  /** A class whose static initializer leaves a trace of the process that ran it. */
  static final class Traced {
    static final String WHERE = System.getProperty("isolate.test.traceDir", "");

    static {
      if (!WHERE.isEmpty()) {
        try {
          Files.writeString(
              Path.of(WHERE, Long.toString(ProcessHandle.current().pid())), "initialized");
        } catch (java.io.IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      }
    }

    private Traced() {}

    static int answer(int base) {
      return base + 1;
    }
  }

  @Test
  void preparedLambdasBehaveAsTheirCapturingClassDefinesThem(@TempDir Path temp) throws Exception {
    try (Isolator isolator =
        Isolator.builder()
            .preforkedChildren(2)
            // Preparing a shape must not initialize its class; learning would (see LearningIT).
            .learnClasses(false)
            .jvmOptions(List.of("-Disolate.test.traceDir=" + temp))
            .forwardChildOutput(false)
            .build()) {
      long workerPid = isolator.workerPid();
      String text = "captured";
      long big = 1L << 40;
      double ratio = 0.5;
      boolean flag = true;
      List<Integer> list = new ArrayList<>(List.of(1, 2, 3));
      // The same lambdas over and over: the first call of each teaches the worker image its shape,
      // and
      // later calls are read through what it prepared.
      for (int i = 0; i < 4; i++) {
        int n = i;
        assertThat(isolator.execute(() -> 42)).isEqualTo(42);
        assertThat(isolator.execute(() -> text + n + big + ratio + flag + list))
            .isEqualTo("captured" + n + big + ratio + flag + list);
        assertThat(isolator.execute(() -> Traced.answer(n))).isEqualTo(n + 1);
        IsolatedCallable<ArrayList<String>> constructor = ArrayList::new;
        assertThat(isolator.execute(constructor)).isEmpty();
        IsolatedCallable<String> bound = text::toUpperCase;
        assertThat(isolator.execute(bound)).isEqualTo("CAPTURED");
      }
      List<CompletableFuture<Integer>> concurrent = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        int n = i;
        concurrent.add(isolator.submit(() -> Traced.answer(n)));
      }
      for (int i = 0; i < 8; i++) {
        assertThat(concurrent.get(i).get()).isEqualTo(i + 1);
      }
      // Traced's initializer ran in children, each its own, and never in the worker image that
      // forks them.
      try (var traces = Files.list(temp)) {
        List<String> pids = traces.map(p -> p.getFileName().toString()).toList();
        assertThat(pids).isNotEmpty().doesNotContain(Long.toString(workerPid));
      }
    }
  }

  /**
   * An enum's serializer reads its constants, which initializes it: such shapes are left to the
   * child.
   */
  enum Colour {
    RED,
    GREEN
  }

  @Test
  void enumsAndRecordsRoundTripOnceTheirShapesArePrepared() throws Exception {
    record Pair(String name, Colour colour) {}
    try (Isolator isolator =
        Isolator.builder().preforkedChildren(2).forwardChildOutput(false).build()) {
      Pair pair = new Pair("p", Colour.GREEN);
      for (int i = 0; i < 4; i++) {
        assertThat(isolator.execute(() -> new Pair(pair.name() + "!", Colour.RED)))
            .isEqualTo(new Pair("p!", Colour.RED));
        assertThat(isolator.execute(() -> pair)).isEqualTo(pair);
      }
    }
  }
}
