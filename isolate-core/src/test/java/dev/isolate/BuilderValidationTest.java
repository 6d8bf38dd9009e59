package dev.isolate;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Values out of range fail when they are set, with a message that names the setting and the value.
 */
class BuilderValidationTest {

  @Test
  void durationsMustBePositiveAndRepresentable() {
    Isolator.Builder builder = Isolator.builder();
    assertThatThrownBy(() -> builder.timeout(Duration.ZERO))
        .hasMessage("timeout must be positive, got PT0S");
    assertThatThrownBy(() -> builder.timeout(Duration.ofMillis(-1)))
        .hasMessageContaining("timeout must be positive");
    assertThatThrownBy(() -> builder.timeout(Duration.ofDays(365L * 300)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("timeout must be at most 292 years");
    assertThatThrownBy(() -> builder.maxCpuTime(Duration.ZERO))
        .hasMessageContaining("maxCpuTime must be positive");
    assertThatThrownBy(() -> builder.maxCpuTime(Duration.ofDays(365L * 100)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("maxCpuTime must be at most");
  }

  @Test
  void byteBudgetsMustFitAndOverflowNothing() {
    Isolator.Builder builder = Isolator.builder();
    assertThatThrownBy(() -> builder.maxHeapBytes(1024))
        .hasMessageContaining("maxHeapBytes must be at least 16 MiB")
        .hasMessageContaining("1024");
    assertThatThrownBy(() -> builder.maxHeapBytes(Long.MAX_VALUE))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("maxHeapBytes " + Long.MAX_VALUE + " is too large");
    assertThatThrownBy(() -> builder.maxNativeMemoryBytes(0))
        .hasMessageContaining("maxNativeMemoryBytes must be at least 1 MiB");
    assertThatThrownBy(() -> builder.keepCrashReports(-1))
        .hasMessageContaining("keepCrashReports must not be negative");
  }

  @Test
  void concurrencyAndPoolSettingsMustBeInRange() {
    Isolator.Builder builder = Isolator.builder();
    assertThatThrownBy(() -> builder.maxConcurrentCalls(0))
        .hasMessage("maxConcurrentCalls must be at least 1, got 0");
    assertThatThrownBy(() -> builder.maxQueuedCalls(-1))
        .hasMessage("maxQueuedCalls must not be negative, got -1");
    assertThatThrownBy(() -> builder.preforkedChildren(-1))
        .hasMessage("preforkedChildren must be between 0 and 64, got -1");
    assertThatThrownBy(() -> builder.preforkedChildren(65))
        .hasMessage("preforkedChildren must be between 0 and 64, got 65");
    builder.maxConcurrentCalls(1).maxQueuedCalls(0).preforkedChildren(0).preforkedChildren(64);
  }

  @Test
  void aHeapOptionBelowTheBudgetIsRejectedAtBuild() {
    Isolator.Builder builder =
        Isolator.builder().maxHeapBytes(512L * 1024 * 1024).jvmOptions(List.of("-Xmx256m"));
    assertThatThrownBy(builder::build)
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(
            "-Xmx256m gives the worker image a heap of 268435456 bytes, below maxHeapBytes"
                + " 536870912");
    Isolator.Builder garbled = Isolator.builder().jvmOptions(List.of("-XX:MaxHeapSize=lots"));
    assertThatThrownBy(garbled::build)
        .hasMessageContaining("cannot read the heap size in -XX:MaxHeapSize=lots");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "-Xmixed",
        "-Xcomp",
        "-Xbatch",
        "-XX:+UseG1GC",
        "-XX:+UseSerialGC",
        "-XX:-UseEpsilonGC"
      })
  void optionsThatMakeForkedChildrenHangAreRejected(String option) {
    assertThatThrownBy(() -> Isolator.builder().jvmOptions(List.of("-Dharmless=1", option)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith(
            "jvmOptions: " + option + " brings back a JIT compiler or a collecting GC");
  }

  @Test
  void aCrashDirectoryThatCannotBeCreatedIsRejectedAtBuild(@TempDir Path temp) throws Exception {
    Path file = Files.writeString(temp.resolve("a-file"), "not a directory");
    assertThatThrownBy(() -> Isolator.builder().crashDirectory(file.resolve("crashes")).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("crashDirectory " + file.resolve("crashes") + " cannot be created");
  }

  @Test
  void builderRejectsValuesOutOfRangeNamingThem() {
    assertThatThrownBy(() -> Isolator.builder().timeout(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("PT0S");
    assertThatThrownBy(() -> Isolator.builder().timeout(Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Isolator.builder().maxHeapBytes(1024)).hasMessageContaining("1024");
    assertThatThrownBy(() -> Isolator.builder().maxHeapBytes(Long.MAX_VALUE))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Isolator.builder().jvmOptions(java.util.Arrays.asList("-Dx=1", null)))
        .isInstanceOf(NullPointerException.class);
  }
}
