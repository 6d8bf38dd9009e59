package dev.isolate;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Which kernels a sandbox is refused on, and what the refusal says: the decision over made-up
 * kernels. {@code SandboxIT} runs the real one.
 */
class SandboxSupportTest {
  private static final Optional<String> SECCOMP_WORKS = Optional.empty();

  @Test
  void aKernelWithTheAbisEachRestrictionNeedsTakesThemAll() {
    assertThat(SandboxSupport.missing(true, true, SECCOMP_WORKS, 4, "Linux 6.7")).isEmpty();
    assertThat(SandboxSupport.missing(false, true, SECCOMP_WORKS, 3, "Linux 6.2")).isEmpty();
    assertThat(SandboxSupport.missing(false, false, SECCOMP_WORKS, 0, "Linux 5.4")).isEmpty();
  }

  @Test
  void readOnlyFilesOnAKernelThatCannotControlTruncationIsRefusedNamingTheAbiAndTheVersion() {
    assertThat(SandboxSupport.missing(false, true, SECCOMP_WORKS, 2, "Linux 5.19"))
        .hasValue(
            "Sandbox.readOnlyFileSystem needs Landlock ABI 3 (Linux 6.2, which controls truncation"
                + " too); this kernel (Linux 5.19) has ABI 2");
  }

  @Test
  void denyNetworkBeforeLandlockTcpRulesIsRefused() {
    assertThat(SandboxSupport.missing(true, false, SECCOMP_WORKS, 3, "Linux 6.2"))
        .hasValueSatisfying(
            message ->
                assertThat(message)
                    .startsWith("Sandbox.denyNetwork needs Landlock ABI 4 (Linux 6.7")
                    .endsWith("this kernel (Linux 6.2) has ABI 3"));
  }

  @Test
  void aKernelWithoutLandlockSaysHowToEnableIt() {
    assertThat(SandboxSupport.missing(true, true, SECCOMP_WORKS, 0, "Linux 6.1"))
        .hasValueSatisfying(message -> assertThat(message).contains("lsm= boot parameter"));
  }

  @Test
  void withoutSeccompFiltersEverySandboxIsRefused() {
    assertThat(SandboxSupport.missing(false, false, Optional.of("EINVAL"), 7, "Linux 6.18"))
        .hasValue(
            "a Sandbox needs seccomp-bpf filters (Linux 4.14 or later, CONFIG_SECCOMP_FILTER);"
                + " EINVAL");
  }
}
