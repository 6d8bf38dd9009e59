package dev.isolate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

@EnabledOnOs(OS.LINUX)
@Timeout(60)
class BadInputIT {

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
}
