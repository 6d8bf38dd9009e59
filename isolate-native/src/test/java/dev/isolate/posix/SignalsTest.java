package dev.isolate.posix;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SignalsTest {

  @Test
  void namesAndNumbersRoundTrip() {
    for (int signal = 1; signal <= 31; signal++) {
      assertThat(Signals.number(Signals.name(signal))).hasValue(signal);
    }
    assertThat(Signals.number("SEGV")).hasValue(Signals.SIGSEGV);
    assertThat(Signals.number("SIGNOPE")).isEmpty();
    assertThat(Signals.name(0)).isEqualTo("signal 0");
    assertThat(Signals.name(99)).isEqualTo("signal 99");
  }
}
