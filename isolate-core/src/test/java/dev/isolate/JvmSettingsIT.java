package dev.isolate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

/**
 * The caller's JVM settings reach its children: system properties given on the command line or set
 * at run time, {@code java.library.path}, assertions, {@code --add-opens}, and no option smuggled
 * in by the environment; on JDK 24 and later, the worker image prints no warning of its own.
 */
@EnabledOnOs(OS.LINUX)
@Timeout(180)
class JvmSettingsIT {

  private static String run(String java, Map<String, String> environment, String... arguments)
      throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of(java));
    command.addAll(List.of(arguments));
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().putAll(environment);
    Process caller = builder.start();
    String output = new String(caller.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(caller.waitFor(120, TimeUnit.SECONDS)).isTrue();
    assertThat(caller.exitValue()).as(output).isZero();
    return output;
  }

  private static String thisJava() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }

  @Test
  void theCallersPropertiesAndOptionsReachTheChild() throws Exception {
    String output =
        run(
            thisJava(),
            Map.of("JAVA_TOOL_OPTIONS", "-Dtool.prop=from-the-environment"),
            "-Dcaller.prop=a value with spaces",
            "-Djava.library.path=/opt/native-libs",
            "-ea",
            "--add-opens=java.base/java.lang=ALL-UNNAMED",
            "-cp",
            System.getProperty("java.class.path"),
            SettingsCaller.class.getName());
    assertThat(output)
        .contains("child caller.prop = a value with spaces")
        .contains("child set.at.runtime = by the caller")
        .contains("child java.library.path = /opt/native-libs")
        .contains("child assertions = true")
        .contains("child java.lang open = true")
        // The environment's options arrive once, filtered, as the caller's own; the variable not.
        .contains("child tool.prop = from-the-environment")
        .contains("child JAVA_TOOL_OPTIONS = null");
  }

  @Test
  void withInheritanceOffTheChildHasTheJvmDefaults() throws Exception {
    String output =
        run(
            thisJava(),
            Map.of(),
            "-Dcaller.prop=set",
            "-ea",
            "--add-opens=java.base/java.lang=ALL-UNNAMED",
            "-cp",
            System.getProperty("java.class.path"),
            SettingsCaller.class.getName(),
            "no-inherit");
    assertThat(output)
        .contains("child caller.prop = null")
        .contains("child assertions = false")
        .contains("child java.lang open = false");
  }

  /** A JDK of version 24 or later on this machine, where warnings about native access start. */
  private static Optional<String> laterJdk() throws IOException {
    Path jvms = Path.of("/usr/lib/jvm");
    if (!Files.isDirectory(jvms)) {
      return Optional.empty();
    }
    try (Stream<Path> homes = Files.list(jvms)) {
      return homes
          .filter(home -> Files.isRegularFile(home.resolve("release")))
          .filter(JvmSettingsIT::isAtLeast24)
          .map(home -> home.resolve("bin/java").toString())
          .findFirst();
    }
  }

  private static boolean isAtLeast24(Path home) {
    try {
      for (String line : Files.readAllLines(home.resolve("release"))) {
        if (line.startsWith("JAVA_VERSION=")) {
          String version = line.substring("JAVA_VERSION=".length()).replace("\"", "");
          return Integer.parseInt(version.split("[.+-]")[0]) >= 24;
        }
      }
    } catch (IOException | RuntimeException e) {
      return false;
    }
    return false;
  }

  @Test
  void onJdk24AndLaterTheWorkerImagePrintsNoWarningOfItsOwn() throws Exception {
    Optional<String> java = laterJdk();
    assumeTrue(java.isPresent(), "no JDK 24 or later in /usr/lib/jvm to run this on");
    // A caller that allows what the library does prints nothing: neither must its worker image.
    String quiet =
        run(
            java.get(),
            Map.of(),
            "--enable-native-access=ALL-UNNAMED",
            "--sun-misc-unsafe-memory-access=allow",
            "-cp",
            System.getProperty("java.class.path"),
            SettingsCaller.class.getName());
    assertThat(quiet).contains("child caller.prop = null").doesNotContain("WARNING");
    // A caller that does not warns about its own use; the worker image adds nothing.
    String warned =
        run(
            java.get(),
            Map.of(),
            "-cp",
            System.getProperty("java.class.path"),
            SettingsCaller.class.getName());
    assertThat(warned.lines().filter(line -> line.startsWith("[isolate worker")))
        .noneMatch(line -> line.contains("WARNING"));
  }
}
