package dev.isolate;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

/**
 * An application on the module path ({@code requires isolate.core}, nothing opened) makes an
 * isolated call of its own lambda, through the modules' descriptors for real: {@code java -p ... -m
 * app/app.Main}.
 */
@EnabledOnOs(OS.LINUX)
@Timeout(120)
class ModularCallerIT {

  private static final String MODULE_INFO = "module app {\n  requires isolate.core;\n}\n";

  private static final String MAIN =
      """
      package app;

      import dev.isolate.Isolator;

      public final class Main {
        public static void main(String[] args) throws Exception {
          int base = Integer.parseInt(args[0]);
          try (Isolator isolator = Isolator.builder().build()) {
            String answer =
                isolator.execute(() -> (base + 1) + " in " + ProcessHandle.current().pid());
            System.out.println("answer " + answer + ", caller " + ProcessHandle.current().pid());
            // A record of a package open to nobody: Kryo cannot read it to copy it.
            Point point = new Point(1, 2);
            try {
              isolator.execute(() -> point.x() + point.y());
            } catch (dev.isolate.MemIsolateException e) {
              System.out.println("captured record: " + e.reason() + ": " + e.getMessage());
            }
          }
        }

        record Point(int x, int y) {}
      }
      """;

  /** The library's modules and their dependencies: the test's class path, without the tests. */
  private static String modulePath() {
    return Stream.of(System.getProperty("java.class.path").split(File.pathSeparator))
        .filter(entry -> !entry.contains("test-classes"))
        .filter(
            entry ->
                Stream.of("junit", "opentest4j", "apiguardian", "assertj", "byte-buddy")
                    .noneMatch(entry::contains))
        .collect(Collectors.joining(File.pathSeparator));
  }

  @Test
  void anAppOnTheModulePathMakesAnIsolatedCallOfItsOwnLambda(@TempDir Path temp) throws Exception {
    Path source = temp.resolve("src/app");
    Files.createDirectories(source.resolve("app"));
    Files.writeString(source.resolve("module-info.java"), MODULE_INFO);
    Files.writeString(source.resolve("app/Main.java"), MAIN);
    Path classes = temp.resolve("mods/app");
    Process javac =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "javac").toString(),
                "--module-path",
                modulePath(),
                "-d",
                classes.toString(),
                source.resolve("module-info.java").toString(),
                source.resolve("app/Main.java").toString())
            .redirectErrorStream(true)
            .start();
    String compilerOutput =
        new String(javac.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(javac.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(javac.exitValue()).as(compilerOutput).isZero();

    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("--module-path");
    command.add(modulePath() + File.pathSeparator + classes.getParent());
    command.add("--module");
    command.add("app/app.Main");
    command.add("41");
    Process app = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(app.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(app.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(app.exitValue()).as(output).isZero();
    java.util.regex.Matcher answer =
        java.util.regex.Pattern.compile("answer 42 in (\\d+), caller (\\d+)").matcher(output);
    assertThat(answer.find()).as(output).isTrue();
    // The value came from another process than the caller's.
    assertThat(answer.group(1)).isNotEqualTo(answer.group(2));
    // A captured value Kryo may not read fails before anything runs, saying what to open.
    assertThat(output)
        .contains("captured record: CALLABLE_SERIALIZATION_FAILED")
        .contains("captures value #0 (a app.Main$Point)")
        .contains("add 'opens app to com.esotericsoftware.kryo;' to app's module-info");
  }
}
