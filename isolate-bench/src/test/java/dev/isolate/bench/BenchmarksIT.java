package dev.isolate.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.isolate.examples.jni.CrashyJni;
import dev.isolate.examples.jni.LibraryPath;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the whole harness in quick mode and checks what it writes: every row there with numbers in
 * it, and the hand-written part of the file kept. Speed is the benchmark's business, not this
 * test's.
 */
@Timeout(300)
class BenchmarksIT {
  /** What a cell with a figure holds; never a cell that says a measurement failed. */
  static final Pattern NUMBER = Pattern.compile("\\d+(\\.\\d+)?( (ns|µs|ms|s|MiB)|x)?");

  private static final Pattern SEPARATOR = Pattern.compile("\\|[-| ]+\\|");
  private static final List<String> MACHINE_FACTS =
      List.of(
          "nproc", "CPU", "memory", "kernel", "java.version", "java.vm.name", "date", "command");
  private static final List<Pattern> ROWS =
      List.of(
          exactly("in-process, `callable.call()`"),
          exactly("isolated, pool off (`preforkedChildren(0)`)"),
          exactly("isolated, pool on (default builder)"),
          exactly("isolated, pool off, calls 5 ms apart"),
          exactly("isolated, pool on, calls 5 ms apart"),
          exactly(
              "isolated, pool on, sandboxed (`denyNetwork`, `readOnlyFileSystem`, `denyExec`), back"
                  + " to back"),
          exactly(
              "isolated, pool on, sandboxed (`denyNetwork`, `readOnlyFileSystem`, `denyExec`),"
                  + " calls 5 ms apart"),
          exactly("sandboxed divided by not, back to back"),
          exactly("sandboxed divided by not, calls 5 ms apart"),
          exactly("fresh `java` per call, Kryo result (`FreshJvmCall`)"),
          exactly("fresh `java` per call, hello world (`FreshJvmHello`)"),
          exactly("C fork floor (`fork_floor.c`)"),
          Pattern.compile("C fork floor, parent with \\d+ MiB resident"),
          exactly("isolated, pool on, paced: times faster than a fresh JVM with Kryo"),
          exactly("isolated, pool on: times faster than a fresh JVM with Kryo"),
          exactly("isolated, pool off: times faster than a fresh JVM with Kryo"),
          exactly("isolated, pool on: times the C fork floor"),
          exactly("isolated, pool off: times the C fork floor"),
          exactly("isolated, pool off, 1 caller thread"),
          exactly("isolated, pool off, 4 caller threads"),
          exactly("isolated, pool on, 1 caller thread"),
          exactly("isolated, pool on, 4 caller threads"),
          exactly(
              "isolated, pool on, sandboxed (`denyNetwork`, `readOnlyFileSystem`, `denyExec`), 1"
                  + " caller thread"),
          exactly(
              "isolated, pool on, sandboxed (`denyNetwork`, `readOnlyFileSystem`, `denyExec`), 4"
                  + " caller threads"),
          exactly("isolated, 64 MiB `byte[]` result"),
          exactly("worker image after the trivial calls, pool off"),
          exactly("worker image after the trivial calls, pool on"),
          Pattern.compile("FNV-1a over \\d+ MiB, in-process \\(JIT\\)"),
          Pattern.compile("FNV-1a over \\d+ MiB, isolated \\(interpreter\\)"),
          Pattern.compile("CRC32 over \\d+ MiB, in-process"),
          Pattern.compile("CRC32 over \\d+ MiB, isolated"),
          Pattern.compile("fill only, \\d+ MiB, in-process"),
          Pattern.compile("fill only, \\d+ MiB, isolated"),
          exactly("FNV-1a: isolated divided by in-process"),
          exactly("CRC32: isolated divided by in-process"),
          exactly("`() -> 42`, back to back"),
          exactly("`() -> 42`, calls 5 ms apart"),
          exactly("SLF4J + logback: one `LOG.info` line"),
          exactly("jnr-ffi: libc `getpid()` through a `static final` binding"),
          exactly("JNI: `CrashyJni.sumOfSquares(1000)` (libcrashy.so)"),
          exactly("AssertJ: a test body of two assertions"),
          exactly("`() -> 42`, calls 5 ms apart, after the real callables"),
          exactly("SLF4J + logback: off / on"),
          exactly("jnr-ffi: off / on"),
          exactly("JNI: off / on"),
          exactly("AssertJ: off / on"),
          exactly("start-up and its first call (`() -> true`), from `build()`"),
          exactly("RSS after its first call"),
          exactly("RSS after the real callables"),
          exactly("plain JUnit"),
          exactly("`@ProcessIsolated` on the class"),
          exactly("`@ProcessIsolated` minus plain"));

  @Test
  void quickRunWritesEveryRowAsANumberAndKeepsTheHandWrittenSection(@TempDir Path directory)
      throws Exception {
    Path file = directory.resolve("BENCHMARKS.md");
    String handWritten = "\n\n## Where the time goes\n\nFrom a profile, by hand.\n";
    Files.writeString(
        file,
        "# Benchmarks\n\n"
            + BenchmarksFile.BEGIN
            + "\nthe last run's tables\n"
            + BenchmarksFile.END
            + handWritten,
        StandardCharsets.UTF_8);

    Benchmarks.main(
        new String[] {
          "--quick",
          "--out=" + file,
          "--c-source=" + Path.of("src/main/c/fork_floor.c").toAbsolutePath(),
          "--build-dir=" + directory.resolve("build")
        });

    String text = Files.readString(file, StandardCharsets.UTF_8);
    assertThat(text)
        .startsWith("# Benchmarks\n\n" + BenchmarksFile.BEGIN)
        .endsWith(BenchmarksFile.END + handWritten);
    assertThat(text).doesNotContain("the last run's tables");
    Map<String, List<String>> rows =
        tableRows(
            text.substring(text.indexOf(BenchmarksFile.BEGIN), text.indexOf(BenchmarksFile.END)));

    for (String fact : MACHINE_FACTS) {
      assertThat(rows).as("machine fact %s", fact).containsKey(fact);
      assertThat(rows.get(fact)).singleElement().asString().isNotBlank();
    }
    assertThat(rows.get("command"))
        .containsExactly("`" + Settings.COMMAND + " -Dbench.quick=true`");
    for (Pattern row : ROWS) {
      assertThat(rows.keySet()).as("rows").anyMatch(what -> row.matcher(what).matches());
    }
    // Where isolate-examples has built libcrashy.so (the pom points failsafe at it), the JNI row
    // must be measured, not skipped.
    boolean jniBuilt = LibraryPath.find(CrashyJni.LIBRARY).isPresent();
    rows.forEach(
        (what, cells) -> {
          if (MACHINE_FACTS.contains(what)) {
            return;
          }
          assertThat(ROWS)
              .as("a row the test knows: %s", what)
              .anyMatch(row -> row.matcher(what).matches());
          for (String cell : cells) {
            if (what.contains("C fork floor") && cell.equals(ForkFloor.SKIPPED)) {
              continue;
            }
            if (what.startsWith("JNI") && !jniBuilt && cell.equals(RealCallables.JNI_SKIPPED)) {
              continue;
            }
            if (what.startsWith("RSS after the real") && cell.endsWith(LearningSide.REPLACED)) {
              cell = cell.substring(0, cell.length() - LearningSide.REPLACED.length());
            }
            assertThat(cell)
                .as("cell of row %s", what)
                .doesNotStartWith(Outcome.FAILED)
                .matches(NUMBER);
          }
        });
  }

  private static Pattern exactly(String what) {
    return Pattern.compile(Pattern.quote(what));
  }

  /** Every body row of every table in {@code markdown}, keyed by its first cell. */
  private static Map<String, List<String>> tableRows(String markdown) {
    List<String> lines = markdown.lines().filter(line -> line.startsWith("|")).toList();
    Map<String, List<String>> rows = new LinkedHashMap<>();
    for (int i = 0; i < lines.size(); i++) {
      boolean header = i + 1 < lines.size() && SEPARATOR.matcher(lines.get(i + 1)).matches();
      if (header || SEPARATOR.matcher(lines.get(i)).matches()) {
        continue;
      }
      List<String> cells = new ArrayList<>();
      for (String cell : lines.get(i).substring(1, lines.get(i).length() - 1).split("\\|", -1)) {
        cells.add(cell.strip());
      }
      List<String> previous = rows.put(cells.get(0), cells.subList(1, cells.size()));
      assertThat(previous).as("a second row named %s", cells.get(0)).isNull();
    }
    return rows;
  }
}
