package dev.isolate.posix;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledIf;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

/**
 * Landlock's masks, and rulesets built in the test JVM. Nothing here restricts the test JVM: that
 * happens in the probe processes of {@link SandboxIT}.
 */
@Timeout(30)
class LandlockTest {

  static boolean landlockAvailable() throws SyscallException {
    return OS.LINUX.isCurrentOs() && Landlock.abiVersion() >= 1;
  }

  @Test
  void writeRightsAreEverythingButReadAndExecuteAsFarAsTheAbiKnows() {
    assertThat(Landlock.writeRights(0)).isZero();
    assertThat(Landlock.writeRights(1)).isEqualTo(0x1ff2);
    assertThat(Landlock.writeRights(2)).isEqualTo(0x3ff2);
    assertThat(Landlock.writeRights(3)).isEqualTo(0x7ff2);
    assertThat(Landlock.writeRights(4)).isEqualTo(0x7ff2);
    assertThat(Landlock.writeRights(5)).isEqualTo(0xfff2);
    assertThat(Landlock.writeRights(7)).isEqualTo(0xfff2);
    assertThat(Landlock.writeRights(7) & (Landlock.FS_READ_FILE | Landlock.FS_READ_DIR)).isZero();
    assertThat(Landlock.writeRights(7) & Landlock.FS_EXECUTE).isZero();
  }

  @Test
  void networkRightsAndScopesAppearWithTheirAbi() {
    assertThat(Landlock.netRights(3)).isZero();
    assertThat(Landlock.netRights(4)).isEqualTo(Landlock.NET_BIND_TCP | Landlock.NET_CONNECT_TCP);
    assertThat(Landlock.scopes(5)).isZero();
    assertThat(Landlock.scopes(6))
        .isEqualTo(Landlock.SCOPE_ABSTRACT_UNIX_SOCKET | Landlock.SCOPE_SIGNAL);
  }

  @Test
  @EnabledOnOs(OS.LINUX)
  void abiVersionIsZeroOrAVersion() throws Exception {
    int abi = Landlock.abiVersion();
    System.out.println("Landlock ABI " + abi);
    assertThat(abi).isBetween(0, 64);
  }

  @Test
  @EnabledIf("landlockAvailable")
  void rulesetTakesRulesOnDirectoriesAndFilesWithoutRestrictingAnyone(@TempDir Path dir)
      throws Exception {
    int abi = Landlock.abiVersion();
    Path file = Files.writeString(dir.resolve("file"), "x");
    try (Landlock.Ruleset ruleset =
        Landlock.newRuleset(
            Landlock.writeRights(abi), Landlock.netRights(abi), Landlock.scopes(abi))) {
      assertThat(ruleset.fd()).isGreaterThan(2);
      ruleset.allowBeneath(dir.toString(), Landlock.writeRights(abi));
      // MAKE_REG and the like do not apply to a file: they are dropped, not refused.
      ruleset.allowBeneath(file.toString(), Landlock.writeRights(abi));
    }
    // Still unrestricted: the test JVM writes where it likes.
    Files.writeString(dir.resolve("still-writable"), "y");
  }

  @Test
  @EnabledIf("landlockAvailable")
  void ruleForAMissingPathFailsWithEnoentAndNamesIt(@TempDir Path dir) throws Exception {
    try (Landlock.Ruleset ruleset = Landlock.newRuleset(Landlock.FS_WRITE_FILE, 0, 0)) {
      String missing = dir.resolve("missing").toString();
      assertThatThrownBy(() -> ruleset.allowBeneath(missing, Landlock.FS_WRITE_FILE))
          .isInstanceOfSatisfying(
              SyscallException.class,
              e -> {
                assertThat(e.errno()).isEqualTo(Errno.ENOENT);
                assertThat(e.call()).contains(missing);
              });
    }
  }

  @Test
  @EnabledIf("landlockAvailable")
  void ruleGrantingAnUnhandledRightIsRefusedBeforeTheKernelSeesIt(@TempDir Path dir)
      throws Exception {
    try (Landlock.Ruleset ruleset = Landlock.newRuleset(Landlock.FS_WRITE_FILE, 0, 0)) {
      assertThatThrownBy(() -> ruleset.allowBeneath(dir.toString(), Landlock.FS_MAKE_DIR))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("does not handle");
    }
  }

  @Test
  @EnabledIf("landlockAvailable")
  void fileRuleWithNoFileRightIsRefused(@TempDir Path dir) throws Exception {
    Path file = Files.writeString(dir.resolve("file"), "x");
    try (Landlock.Ruleset ruleset = Landlock.newRuleset(Landlock.writeRights(1), 0, 0)) {
      assertThatThrownBy(() -> ruleset.allowBeneath(file.toString(), Landlock.FS_MAKE_REG))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("not a directory");
    }
  }

  @Test
  @EnabledIf("landlockAvailable")
  void rulesetHandlingNothingIsRefused() {
    assertThatThrownBy(() -> Landlock.newRuleset(0, 0, 0))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  @EnabledIf("landlockAvailable")
  void closedRulesetRefusesRulesAndClosesOnce(@TempDir Path dir) throws Exception {
    Landlock.Ruleset ruleset = Landlock.newRuleset(Landlock.FS_WRITE_FILE, 0, 0);
    ruleset.close();
    ruleset.close();
    assertThatThrownBy(() -> ruleset.allowBeneath(dir.toString(), Landlock.FS_WRITE_FILE))
        .isInstanceOf(IllegalStateException.class);
  }
}
