package dev.isolate;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The worker image learns what its children initialize and initializes it once, ahead of the
 * children it forks next; an initializer that breaks fork safety there is reported, never run there
 * again, and costs no call. Where a class was initialized is the pid its initializer saw.
 */
@Timeout(120)
class LearningIT {
  /** Enough calls for a class to be learned, announced and preloaded; it takes two. */
  private static final int CALLS = 8;

  private final ByteArrayOutputStream stderr = new ByteArrayOutputStream();
  private PrintStream originalErr;

  @BeforeEach
  void captureStandardError() {
    originalErr = System.err;
    System.setErr(
        new PrintStream(new TeeStream(originalErr, stderr), true, StandardCharsets.UTF_8));
  }

  @AfterEach
  void restoreStandardError() {
    System.setErr(originalErr);
  }

  @Test
  void aClassChildrenInitializedIsInitializedOnceInTheWorkerImageForTheNextChildren()
      throws Exception {
    try (Isolator isolator = Isolator.builder().build()) {
      long[] first =
          isolator.execute(() -> new long[] {WarmUps.Table.INITIALIZED_IN, WarmUps.currentPid()});
      assertThat(first[0]).as("the first child initializes it itself").isEqualTo(first[1]);

      long worker = isolator.workerPid();
      long[] last = first;
      for (int i = 0; i < CALLS && last[0] != worker; i++) {
        last =
            isolator.execute(
                () ->
                    new long[] {
                      WarmUps.Table.SQUARES[64] == 4096 ? WarmUps.Table.INITIALIZED_IN : -1,
                      WarmUps.currentPid()
                    });
      }
      assertThat(last[0]).as("initialized in the worker image, pid %d", worker).isEqualTo(worker);
      assertThat(last[1]).as("and run in a child").isNotEqualTo(worker);
      assertThat(isolator.workersLaunched()).isEqualTo(1);
    }
  }

  @Test
  void withLearningOffEveryChildInitializesItsClassesItself() throws Exception {
    try (Isolator isolator = Isolator.builder().learnClasses(false).build()) {
      for (int i = 0; i < CALLS; i++) {
        long[] pids =
            isolator.execute(() -> new long[] {WarmUps.Table.INITIALIZED_IN, WarmUps.currentPid()});
        assertThat(pids[0]).as("call %d", i).isEqualTo(pids[1]);
      }
    }
  }

  @Test
  void aDeclaredPreloadIsInitializedBeforeTheFirstChild() throws Exception {
    try (Isolator isolator =
        Isolator.builder().preloadClasses(List.of(WarmUps.Table.class.getName())).build()) {
      long initializedIn = isolator.execute(() -> WarmUps.Table.INITIALIZED_IN);

      assertThat(initializedIn).isEqualTo(isolator.workerPid());
    }
  }

  @Test
  void aDeclaredPreloadThatBreaksARuleIsRefusedOnceAndCallsStillRun(@TempDir Path temp)
      throws Exception {
    Path file = temp.resolve("refusals.jfr");
    try (Recording recording = new Recording()) {
      recording.enable("dev.isolate.WarmUpRefused");
      recording.start();
      try (Isolator isolator =
          Isolator.builder()
              .preloadClasses(List.of(WarmUps.StartsAThread.class.getName()))
              .build()) {
        for (int i = 0; i < 3; i++) {
          long[] pids =
              isolator.execute(
                  () -> new long[] {WarmUps.StartsAThread.INITIALIZED_IN, WarmUps.currentPid()});
          assertThat(pids[0]).as("call %d initializes it in its child", i).isEqualTo(pids[1]);
        }
        assertThat(isolator.workersLaunched()).isEqualTo(2);
      }
      recording.stop();
      recording.dump(file);
    }
    assertThat(refusals(file))
        .containsExactly(WarmUps.StartsAThread.class.getName() + ": started 1 thread(s)");
  }

  @Test
  void anInitializerThatStartsAThreadIsRefusedAndReported(@TempDir Path temp) throws Exception {
    assertRefused(
        temp,
        WarmUps.StartsAThread.class,
        "started 1 thread(s)",
        () -> WarmUps.StartsAThread.INITIALIZED_IN);
  }

  @Test
  void anInitializerThatOpensAFileForWritingIsRefusedAndReported(@TempDir Path temp)
      throws Exception {
    Files.createDirectories(Path.of("target"));
    assertRefused(
        temp,
        WarmUps.OpensAFileForWriting.class,
        "opened " + Path.of("target", "warm-up-fixture.log").toAbsolutePath(),
        () -> WarmUps.OpensAFileForWriting.INITIALIZED_IN);
  }

  @Test
  void anInitializerThatSeedsARandomNumberGeneratorIsRefusedAndReported(@TempDir Path temp)
      throws Exception {
    assertRefused(
        temp,
        WarmUps.KeepsARandom.class,
        "initialized java.util.SplittableRandom, whose seed every child would share",
        () -> WarmUps.KeepsARandom.INITIALIZED_IN);
  }

  @Test
  void anInitializerThatRegistersAShutdownHookIsRefusedAndReported(@TempDir Path temp)
      throws Exception {
    assertRefused(
        temp,
        WarmUps.AddsAShutdownHook.class,
        "registered a shutdown hook",
        () -> WarmUps.AddsAShutdownHook.INITIALIZED_IN);
  }

  @Test
  void anInitializerThatThrowsInTheWorkerImageIsRefusedAndChildrenStillRunIt(@TempDir Path temp)
      throws Exception {
    Path configuration = WarmUps.CONFIGURATION;
    Files.createDirectories(configuration.getParent());
    Files.writeString(configuration, "ready=true\n");
    Path file = temp.resolve("refusals.jfr");
    try (Recording recording = new Recording();
        Isolator isolator = Isolator.builder().build()) {
      recording.enable("dev.isolate.WarmUpRefused");
      recording.start();
      long[] first =
          isolator.execute(
              () ->
                  new long[] {WarmUps.NeedsItsConfiguration.INITIALIZED_IN, WarmUps.currentPid()});
      assertThat(first[0]).isEqualTo(first[1]);

      // Gone while the worker image initializes it ahead; back for the children that follow.
      Files.delete(configuration);
      assertThat(isolator.execute(() -> 1)).isEqualTo(1);
      Files.writeString(configuration, "ready=true\n");
      for (int i = 0; i < CALLS; i++) {
        long[] pids =
            isolator.execute(
                () ->
                    new long[] {
                      WarmUps.NeedsItsConfiguration.INITIALIZED_IN, WarmUps.currentPid()
                    });
        assertThat(pids[0]).as("call %d initializes it in its child", i).isEqualTo(pids[1]);
      }
      recording.stop();
      recording.dump(file);
    } finally {
      Files.deleteIfExists(configuration);
    }
    assertThat(refusals(file))
        .containsExactly(
            WarmUps.NeedsItsConfiguration.class.getName()
                + ": threw java.lang.IllegalStateException: no "
                + WarmUps.CONFIGURATION);
  }

  /**
   * Calls that initialize {@code type} until its refusal: every call returns, each child
   * initializes the class itself, the worker image is replaced once, the refusal is a JFR event and
   * a line on standard error naming the class and the rule.
   */
  private void assertRefused(
      Path temp, Class<?> type, String rule, IsolatedCallable<Long> initializedIn)
      throws Exception {
    Path file = temp.resolve("refusals.jfr");
    try (Recording recording = new Recording();
        Isolator isolator = Isolator.builder().build()) {
      recording.enable("dev.isolate.WarmUpRefused");
      recording.start();
      for (int i = 0; i < CALLS; i++) {
        IsolatedCallable<long[]> call =
            () -> new long[] {initializedIn.call(), WarmUps.currentPid()};
        long[] pids = isolator.execute(call);
        assertThat(pids[0]).as("call %d initializes it in its child", i).isEqualTo(pids[1]);
      }
      assertThat(isolator.workersLaunched()).as("the refusing worker image replaced").isEqualTo(2);
      recording.stop();
      recording.dump(file);
    }
    assertThat(refusals(file)).singleElement().asString().startsWith(type.getName() + ": " + rule);
    assertThat(stderr.toString(StandardCharsets.UTF_8))
        .contains("[isolate] " + type.getName() + " is not initialized ahead in the worker image")
        .contains(rule);
  }

  private static List<String> refusals(Path file) throws Exception {
    return RecordingFile.readAllEvents(file).stream()
        .filter(e -> e.getEventType().getName().equals("dev.isolate.WarmUpRefused"))
        .map((RecordedEvent e) -> e.getString("className") + ": " + e.getString("rule"))
        .toList();
  }

  /** Writes to both: the test's own output stays visible. */
  private static final class TeeStream extends java.io.OutputStream {
    private final java.io.OutputStream first;
    private final java.io.OutputStream second;

    TeeStream(java.io.OutputStream first, java.io.OutputStream second) {
      this.first = first;
      this.second = second;
    }

    @Override
    public void write(int b) throws java.io.IOException {
      first.write(b);
      second.write(b);
    }

    @Override
    public void write(byte[] bytes, int offset, int length) throws java.io.IOException {
      first.write(bytes, offset, length);
      second.write(bytes, offset, length);
    }
  }
}
