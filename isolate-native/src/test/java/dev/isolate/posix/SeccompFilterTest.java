package dev.isolate.posix;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;

/** What can be checked of the filter without installing it; {@link SandboxIT} installs it. */
class SeccompFilterTest {

  static boolean knownArch() {
    return Arch.current().isPresent();
  }

  @Test
  @EnabledIf("knownArch")
  void kernelOfThisMachineTakesTheFilter() {
    assertThat(SeccompFilter.whyUnsupported()).isEmpty();
    assertThat(SeccompFilter.supported()).isTrue();
  }

  @Test
  @EnabledIf("knownArch")
  void preparedFilterIsTheProgramOfItsPolicy() {
    SeccompPolicy policy = SeccompPolicy.baseline().withNetworkDenied();
    SeccompFilter.Prepared prepared = SeccompFilter.prepare(policy);

    assertThat(prepared.policy()).isEqualTo(policy);
    assertThat(prepared.instructionCount())
        .isEqualTo(policy.program(Arch.current().orElseThrow()).length());
  }

  @Test
  void onlyLittleEndianX8664AndAarch64LinuxAreKnown() {
    assertThat(Arch.of("Linux", "amd64", ByteOrder.LITTLE_ENDIAN)).contains(Arch.X86_64);
    assertThat(Arch.of("Linux", "aarch64", ByteOrder.LITTLE_ENDIAN)).contains(Arch.AARCH64);
    assertThat(Arch.of("Linux", "aarch64", ByteOrder.BIG_ENDIAN)).isEmpty();
    assertThat(Arch.of("Linux", "riscv64", ByteOrder.LITTLE_ENDIAN)).isEmpty();
    assertThat(Arch.of("Linux", "x86", ByteOrder.LITTLE_ENDIAN)).isEmpty();
    assertThat(Arch.of("Mac OS X", "aarch64", ByteOrder.LITTLE_ENDIAN)).isEmpty();
  }
}
