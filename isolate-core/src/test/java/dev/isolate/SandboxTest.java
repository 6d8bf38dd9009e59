package dev.isolate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a sandbox holds, as its builder checks and makes it. */
class SandboxTest {
  @Test
  void noneRestrictsNothing() {
    Sandbox none = Sandbox.none();

    assertThat(none.isNone()).isTrue();
    assertThat(none.deniesNetwork()).isFalse();
    assertThat(none.deniesExec()).isFalse();
    assertThat(none.writablePaths()).isEmpty();
    assertThat(none).hasToString("Sandbox.none()");
  }

  @Test
  void writablePathsAreAbsoluteNormalizedAndEachKeptOnce(@TempDir Path temp) {
    Sandbox sandbox =
        Sandbox.builder()
            .readOnlyFileSystem(temp, temp.resolve("."))
            .readOnlyFileSystem(temp)
            .denyExec()
            .build();

    assertThat(sandbox.writablePaths()).hasValue(List.of(temp.toAbsolutePath().normalize()));
    assertThat(sandbox.deniesExec()).isTrue();
    assertThat(sandbox.deniesNetwork()).isFalse();
    assertThat(sandbox).hasToString("Sandbox[readOnlyFileSystem[" + temp + "], denyExec]");
    assertThat(sandbox).isEqualTo(Sandbox.builder().denyExec().readOnlyFileSystem(temp).build());
  }

  @Test
  void aWritablePathThatDoesNotExistIsRefusedNamingIt(@TempDir Path temp) {
    Path missing = temp.resolve("missing");

    assertThatThrownBy(() -> Sandbox.builder().readOnlyFileSystem(missing))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(missing.toString())
        .hasMessageContaining("does not exist");
  }

  @Test
  void aReadOnlyFileSystemWithNoWritablePathIsStillReadOnly() {
    Sandbox sandbox = Sandbox.builder().readOnlyFileSystem().build();

    assertThat(sandbox.writablePaths()).hasValue(List.of());
    assertThat(sandbox.isNone()).isFalse();
  }
}
