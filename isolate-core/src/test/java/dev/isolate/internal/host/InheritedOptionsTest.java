package dev.isolate.internal.host;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/** What of a caller's JVM settings a worker image takes over, and what it must not. */
class InheritedOptionsTest {
  private static final Predicate<String> JDK_MODULES =
      Set.of("java.base", "java.sql", "jdk.incubator.vector")::contains;

  private static Properties properties(String... keysAndValues) {
    Properties properties = new Properties();
    for (int i = 0; i < keysAndValues.length; i += 2) {
      properties.setProperty(keysAndValues[i], keysAndValues[i + 1]);
    }
    return properties;
  }

  @Test
  void theOptionsThatChangeWhatCodeMayDoAreCarried() {
    List<String> carried =
        InheritedOptions.of(
            List.of(
                "-ea",
                "-da:com.example.noisy...",
                "-esa",
                "--enable-preview",
                "-Xss4m",
                "-XX:MaxDirectMemorySize=1g",
                "--illegal-native-access=deny",
                "--sun-misc-unsafe-memory-access=warn",
                "--enable-native-access=app,isolate.posix"),
            new Properties(),
            JDK_MODULES);
    assertThat(carried)
        .containsExactly(
            "-ea",
            "-da:com.example.noisy...",
            "-esa",
            "--enable-preview",
            "-Xss4m",
            "-XX:MaxDirectMemorySize=1g",
            "--illegal-native-access=deny",
            "--sun-misc-unsafe-memory-access=warn",
            "--enable-native-access=ALL-UNNAMED");
  }

  @Test
  void whatWouldBreakForkSafetyOrIsTheWorkersOwnIsDropped() {
    List<String> carried =
        InheritedOptions.of(
            List.of(
                "-javaagent:/opt/jacoco.jar=destfile=x",
                "-agentlib:jdwp=transport=dt_socket,server=y",
                "-agentpath:/opt/profiler.so",
                "-XX:+UseG1GC",
                "-XX:TieredStopAtLevel=1",
                "-Xmx2g",
                "-Xms1g",
                "-XX:StartFlightRecording=duration=30s",
                "-Xlog:gc",
                "-verbose:class",
                "-XX:ErrorFile=/tmp/x",
                "-Xshare:off",
                "-XX:+HeapDumpOnOutOfMemoryError",
                "--module-path=mods",
                "-Djdk.module.main=app"),
            new Properties(),
            JDK_MODULES);
    assertThat(carried).isEmpty();
  }

  @Test
  void moduleOptionsApplyToTheJdksModulesAndTheCallersBecomeTheUnnamedModule() {
    List<String> carried =
        InheritedOptions.of(
            List.of(
                "--add-opens=java.base/java.lang=app,ALL-UNNAMED",
                "--add-opens",
                "java.base/java.util=isolate.core",
                "--add-exports=java.sql/java.sql=com.example",
                "--add-opens=app/app.secret=isolate.core",
                "--add-reads=java.base=app",
                "--add-modules=jdk.incubator.vector,app",
                "--add-modules",
                "app"),
            new Properties(),
            JDK_MODULES);
    assertThat(carried)
        .containsExactly(
            "--add-opens=java.base/java.lang=ALL-UNNAMED",
            "--add-opens=java.base/java.util=ALL-UNNAMED",
            "--add-exports=java.sql/java.sql=ALL-UNNAMED",
            "--add-reads=java.base=ALL-UNNAMED",
            "--add-modules=jdk.incubator.vector");
  }

  @Test
  void propertiesAreCarriedWithTheirCurrentValueButNotThoseTheJdkDefines() {
    Properties now =
        properties(
            "app.mode", "test",
            "set.at.runtime", "by the program",
            "java.library.path", "/opt/native",
            "java.io.tmpdir", "/tmp",
            "user.timezone", "UTC",
            "java.class.path", "app.jar",
            "sun.java.command", "app.Main",
            "isolate.workerImage", "true");
    List<String> carried =
        InheritedOptions.of(
            List.of("-Dapp.mode=changed-since", "-Djava.library.path=/opt/native"),
            now,
            JDK_MODULES);
    assertThat(carried)
        .containsExactlyInAnyOrder(
            "-Dapp.mode=test",
            "-Dset.at.runtime=by the program",
            "-Djava.library.path=/opt/native");
  }

  @Test
  void aJdkPropertyGivenOnTheCommandLineIsCarried() {
    Properties now = properties("file.encoding", "ISO-8859-1", "java.class.path", "x.jar");
    List<String> carried =
        InheritedOptions.of(
            List.of("-Dfile.encoding=ISO-8859-1", "-Djava.class.path=x.jar"), now, JDK_MODULES);
    assertThat(carried).containsExactly("-Dfile.encoding=ISO-8859-1");
  }
}
