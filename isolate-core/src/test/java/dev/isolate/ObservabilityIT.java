package dev.isolate;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

/** Every call reaches the listener and JFR once, with what its child did, whatever the outcome. */
@EnabledOnOs(OS.LINUX)
@Timeout(120)
class ObservabilityIT {

  private static CallRecord next(BlockingQueue<CallRecord> records) throws InterruptedException {
    CallRecord record = records.poll(30, TimeUnit.SECONDS);
    assertThat(record).as("a record within 30 s").isNotNull();
    return record;
  }

  @Test
  void theListenerHearsOfEveryOutcomeWithTheChildsUsage() throws Exception {
    BlockingQueue<CallRecord> records = new LinkedBlockingQueue<>();
    try (Isolator isolator =
        Isolator.builder().listener(records::add).forwardChildOutput(false).build()) {
      assertThat(isolator.execute(() -> new byte[8 << 20].length)).isEqualTo(8 << 20);
      CallRecord returned = next(records);
      assertThat(returned.succeeded()).isTrue();
      assertThat(returned.reason()).isEmpty();
      assertThat(returned.childPid()).isPresent();
      assertThat(returned.signal()).isEmpty();
      assertThat(returned.childCpuTime()).isPresent();
      // The child touched 8 MiB of fresh heap: wait4 counts it in its peak.
      assertThat(returned.childMaxRssBytes().orElseThrow()).isGreaterThan(8L << 20);
      assertThat(returned.elapsed()).isPositive();

      Failures.of(() -> isolator.execute(Libc::segfault));
      CallRecord crashed = next(records);
      assertThat(crashed.reason()).hasValue(Reason.CHILD_PROCESS_KILLED_BY_SIGNAL);
      assertThat(crashed.category()).hasValue(Category.STATUS_UNKNOWN);
      assertThat(crashed.signal()).hasValue(6);
      assertThat(crashed.childPid()).isPresent();
      assertThat(crashed.childCpuTime()).isPresent();

      Failures.of(
          () ->
              isolator.execute(
                  () -> {
                    throw new IllegalStateException("thrown in the child");
                  }));
      CallRecord threw = next(records);
      assertThat(threw.reason()).hasValue(Reason.CALLABLE_THREW);
      assertThat(threw.signal()).isEmpty();

      assertThat(records.poll(500, TimeUnit.MILLISECONDS)).as("one record per call").isNull();
    }
  }

  @Test
  void aCallThatNeverHadAChildIsReportedToo(@TempDir Path temp) throws Exception {
    BlockingQueue<CallRecord> records = new LinkedBlockingQueue<>();
    try (Isolator isolator =
        Isolator.builder()
            .maxConcurrentCalls(1)
            .maxQueuedCalls(0)
            .listener(records::add)
            .forwardChildOutput(false)
            .build()) {
      CompletableFuture<Integer> blocker = Children.blockingCall(isolator, temp);

      Failures.of(() -> isolator.execute(() -> 1));
      CallRecord refused = next(records);
      assertThat(refused.reason()).hasValue(Reason.QUEUE_FULL);
      assertThat(refused.childPid()).isEmpty();
      assertThat(refused.childCpuTime()).isEmpty();

      blocker.cancel(true);
      CallRecord cancelled = next(records);
      assertThat(cancelled.reason()).hasValue(Reason.CANCELLED);
      assertThat(cancelled.signal()).hasValue(9);
    }
  }

  @Test
  void aListenerThatThrowsChangesNothingElse() throws Exception {
    try (Isolator isolator =
        Isolator.builder()
            .listener(
                record -> {
                  throw new IllegalStateException("a broken metrics sink");
                })
            .forwardChildOutput(false)
            .build()) {
      for (int i = 0; i < 5; i++) {
        int n = i;
        assertThat(isolator.execute(() -> n)).isEqualTo(n);
      }
    }
  }

  @Test
  void everyCallIsAJfrEventThatJfrPrintShows(@TempDir Path temp) throws Exception {
    Path file = temp.resolve("calls.jfr");
    try (Recording recording = new Recording();
        Isolator isolator = Isolator.builder().forwardChildOutput(false).build()) {
      recording.enable("dev.isolate.IsolatedCall");
      recording.start();
      assertThat(isolator.execute(() -> 42)).isEqualTo(42);
      Failures.of(() -> isolator.execute(Libc::segfault));
      // The events are committed once the children are reaped, a moment after the outcomes.
      Thread.sleep(1000);
      recording.stop();
      recording.dump(file);
    }

    List<RecordedEvent> events = RecordingFile.readAllEvents(file);
    assertThat(events).hasSize(2);
    RecordedEvent returned =
        events.stream()
            .filter(e -> e.getString("outcome").equals("RETURNED"))
            .findFirst()
            .orElseThrow();
    assertThat(returned.getLong("childPid")).isPositive();
    assertThat(returned.getLong("childMaxRss")).isPositive();
    assertThat(returned.getDuration()).isPositive();
    RecordedEvent crashed =
        events.stream()
            .filter(e -> e.getString("outcome").equals("STATUS_UNKNOWN"))
            .findFirst()
            .orElseThrow();
    assertThat(crashed.getString("reason")).isEqualTo("CHILD_PROCESS_KILLED_BY_SIGNAL");
    assertThat(crashed.getString("signal")).isEqualTo("SIGABRT");

    // And the JDK's own tool prints them.
    Path jfr = Path.of(System.getProperty("java.home"), "bin", "jfr");
    Process print =
        new ProcessBuilder(
                jfr.toString(), "print", "--events", "dev.isolate.IsolatedCall", file.toString())
            .redirectErrorStream(true)
            .start();
    String printed = new String(print.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(print.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(printed)
        .contains("dev.isolate.IsolatedCall")
        .contains("CHILD_PROCESS_KILLED_BY_SIGNAL")
        .contains("SIGABRT");
  }
}
