package dev.isolate.posix;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class WaitStatusTest {

  // Raw values as Linux stores them: exit code in bits 8-15, terminating signal in bits 0-6,
  // core flag in bit 7, 0x7f in the low byte for a stopped process, 0xffff for a continued one.
  @ParameterizedTest(name = "0x{0} -> {6}")
  @CsvSource({
    // raw hex, exited, exitStatus, signaled, termSignal, coreDumped, description
    "0000, true,  0,   false, 0,  false, exited with status 0",
    "0100, true,  1,   false, 0,  false, exited with status 1",
    "0300, true,  3,   false, 0,  false, exited with status 3",
    "ff00, true,  255, false, 0,  false, exited with status 255",
    "0009, false, 0,   true,  9,  false, killed by SIGKILL",
    "0006, false, 0,   true,  6,  false, killed by SIGABRT",
    "0086, false, 0,   true,  6,  true,  killed by SIGABRT (core dumped)",
    "008b, false, 0,   true,  11, true,  killed by SIGSEGV (core dumped)",
    "000b, false, 0,   true,  11, false, killed by SIGSEGV",
    "000f, false, 0,   true,  15, false, killed by SIGTERM",
    "0022, false, 0,   true,  34, false, killed by SIGRTMIN+0",
  })
  void decodesExitAndSignalStatuses(
      String rawHex,
      boolean exited,
      int exitStatus,
      boolean signaled,
      int termSignal,
      boolean coreDumped,
      String description) {
    WaitStatus status = new WaitStatus(Integer.parseInt(rawHex, 16));

    assertThat(status.exited()).isEqualTo(exited);
    assertThat(status.signaled()).isEqualTo(signaled);
    assertThat(status.stopped()).isFalse();
    assertThat(status.continued()).isFalse();
    if (exited) {
      assertThat(status.exitStatus()).isEqualTo(exitStatus);
    }
    if (signaled) {
      assertThat(status.termSignal()).isEqualTo(termSignal);
    }
    assertThat(status.coreDumped()).isEqualTo(coreDumped);
    assertThat(status).hasToString(description);
  }

  @ParameterizedTest(name = "0x{0} -> stopped by {1}")
  @CsvSource({"137f, 19, SIGSTOP", "147f, 20, SIGTSTP", "057f, 5, SIGTRAP"})
  void decodesStoppedStatuses(String rawHex, int stopSignal, String name) {
    WaitStatus status = new WaitStatus(Integer.parseInt(rawHex, 16));

    assertThat(status.stopped()).isTrue();
    assertThat(status.exited()).isFalse();
    assertThat(status.signaled()).isFalse();
    assertThat(status.stopSignal()).isEqualTo(stopSignal);
    assertThat(status).hasToString("stopped by " + name);
  }

  @ParameterizedTest(name = "0xffff is continued")
  @CsvSource({"ffff"})
  void decodesContinuedStatus(String rawHex) {
    WaitStatus status = new WaitStatus(Integer.parseInt(rawHex, 16));

    assertThat(status.continued()).isTrue();
    assertThat(status.exited()).isFalse();
    assertThat(status.signaled()).isFalse();
    assertThat(status).hasToString("continued");
  }

  @ParameterizedTest(name = "exit {0} and signal {0} round-trip")
  @CsvSource({"0", "1", "6", "9", "11", "127"})
  void factoriesEncodeWhatTheAccessorsDecode(int value) {
    assertThat(WaitStatus.ofExit(value).exitStatus()).isEqualTo(value);
    assertThat(WaitStatus.ofExit(value).exited()).isTrue();
    if (value > 0 && value < 127) {
      assertThat(WaitStatus.ofSignal(value, true).termSignal()).isEqualTo(value);
      assertThat(WaitStatus.ofSignal(value, true).coreDumped()).isTrue();
    }
  }
}
