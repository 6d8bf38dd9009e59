package dev.isolate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.isolate.posix.Signals;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

/**
 * A busy isolator keeps only the newest hs_err files, and each crash report still says what
 * happened.
 */
@EnabledOnOs(OS.LINUX)
@Timeout(120)
class CrashReportRetentionIT {

  @Test
  void onlyTheNewestCrashReportsAreKeptAndEachReportIsComplete(@TempDir Path crashes)
      throws Exception {
    List<Path> reported = new ArrayList<>();
    try (Isolator isolator =
        Isolator.builder()
            .crashDirectory(crashes)
            .keepCrashReports(2)
            .forwardChildOutput(false)
            .build()) {
      for (int i = 0; i < 4; i++) {
        MemIsolateException e = Failures.of(() -> isolator.execute(Libc::segfault));
        CrashReport report = e.crashReport().orElseThrow();
        assertThat(e.signal()).hasValue(Signals.SIGABRT);
        assertThat(report.fatalSignal()).hasValue("SIGSEGV");
        assertThat(report.fatalSignalNumber()).hasValue(Signals.SIGSEGV);
        // strlen((char *) 1) faults at address 1.
        assertThat(report.faultAddress())
            .hasValueSatisfying(address -> assertThat(Long.decode(address)).isEqualTo(1));
        assertThat(report.problematicFrame())
            .hasValueSatisfying(frame -> assertThat(frame).contains("libc.so"));
        assertThat(report.stdoutTail()).contains("A fatal error has been detected");
        Path file = report.hsErrFile().orElseThrow();
        assertThat(file.getParent()).isEqualTo(crashes);
        assertThat(file.getFileName().toString())
            .isEqualTo("hs_err_pid" + e.childPid().orElseThrow() + ".log");
        assertThat(e).hasMessageContaining("after SIGSEGV").hasMessageContaining(file.toString());
        reported.add(file);
      }
    }
    assertThat(hsErrFiles(crashes)).containsExactlyInAnyOrderElementsOf(reported.subList(2, 4));
  }

  @Test
  void keepingNoneDeletesEachReportOnceRead(@TempDir Path crashes) throws Exception {
    try (Isolator isolator =
        Isolator.builder()
            .crashDirectory(crashes)
            .keepCrashReports(0)
            .forwardChildOutput(false)
            .build()) {
      MemIsolateException e = Failures.of(() -> isolator.execute(Libc::segfault));
      CrashReport report = e.crashReport().orElseThrow();
      assertThat(report.fatalSignal()).hasValue("SIGSEGV");
      assertThat(report.problematicFrame()).isPresent();
      assertThat(report.hsErrFile()).isEmpty();
      assertThat(hsErrFiles(crashes)).isEmpty();
    }
  }

  @Test
  void isolatorsSharingADirectoryShareItsBudget(@TempDir Path crashes) throws Exception {
    try (Isolator first =
            Isolator.builder()
                .crashDirectory(crashes)
                .keepCrashReports(1)
                .forwardChildOutput(false)
                .build();
        Isolator second =
            Isolator.builder()
                .crashDirectory(crashes)
                .keepCrashReports(1)
                .forwardChildOutput(false)
                .build()) {
      Failures.of(() -> first.execute(Libc::segfault));
      Path last =
          Failures.of(() -> second.execute(Libc::segfault))
              .crashReport()
              .orElseThrow()
              .hsErrFile()
              .orElseThrow();
      assertThat(hsErrFiles(crashes)).containsExactly(last);
    }
  }

  private static List<Path> hsErrFiles(Path directory) throws IOException {
    try (Stream<Path> files = Files.list(directory)) {
      return files.filter(f -> f.getFileName().toString().startsWith("hs_err_pid")).toList();
    }
  }
}
