package dev.isolate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

@EnabledOnOs(OS.LINUX)
@Timeout(60)
class BadInputTest {

  @Test
  void nullCallableIsANullPointerExceptionNamingTheArgument() {
    try (Isolator isolator = Isolator.builder().build()) {
      assertThatThrownBy(() -> isolator.execute(null))
          .isInstanceOf(NullPointerException.class)
          .hasMessage("callable");
      assertThatThrownBy(() -> isolator.submit(null))
          .isInstanceOf(NullPointerException.class)
          .hasMessage("callable");
      assertThatThrownBy(() -> MemIsolate.executeInIsolatedProcess(null))
          .isInstanceOf(NullPointerException.class)
          .hasMessage("callable");
    }
  }

  @Test
  void callsOnAClosedIsolatorAreIllegalState() {
    Isolator isolator = Isolator.builder().build();
    isolator.close();
    isolator.close();
    assertThatThrownBy(() -> isolator.execute(() -> 1))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("closed");
    assertThatThrownBy(() -> isolator.submit(() -> 1)).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void invalidJvmOptionIsWorkerStartFailedWithTheWorkersStderr() {
    try (Isolator isolator =
        Isolator.builder().jvmOptions(List.of("-XX:+NoSuchOptionAnywhere")).build()) {
      assertThatThrownBy(() -> isolator.execute(() -> 1))
          .isInstanceOfSatisfying(
              CallableDidNotExecuteException.class,
              e -> {
                assertThat(e.reason()).isEqualTo(Reason.WORKER_START_FAILED);
                assertThat(e.category().safeToRetry()).isTrue();
                assertThat(e)
                    .hasMessageContaining("NoSuchOptionAnywhere")
                    .hasMessageContaining("exited with status 1");
              });
    }
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

  @Test
  void everyReasonBelongsToTheCategoryItsExceptionCarries() {
    for (Reason reason : Reason.values()) {
      MemIsolateException e = new MemIsolateException.Facts(reason, "test").toException();
      assertThat(e.category()).isEqualTo(reason.category());
      assertThat(e.category().safeToRetry())
          .isEqualTo(reason.category() == Category.DID_NOT_EXECUTE);
    }
  }
}
