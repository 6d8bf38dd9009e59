package dev.isolate;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ObjectInputFilter;
import java.io.OutputStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

/**
 * A plugin host builds its isolator first, then loads a plugin jar through a {@code
 * URLClassLoader}: the plugin's lambdas run isolated, with the plugin's classes and the host's, and
 * a value of a plugin class comes back, though the worker image started before the plugin existed.
 */
@EnabledOnOs(OS.LINUX)
@Timeout(120)
class PluginLoaderIT {
  private static final String GREETER =
      """
      package plugin;

      import dev.isolate.IsolatedCallable;

      public final class Greeter {
        public record Greeting(String text, long pid) {}

        public static IsolatedCallable<Greeting> greet(String who) {
          return () -> new Greeting(Text.hello(who), ProcessHandle.current().pid());
        }
      }
      """;

  private static final String TEXT =
      """
      package plugin;

      final class Text {
        static String hello(String who) {
          return "hello " + who + " from " + Text.class.getClassLoader().getName();
        }
      }
      """;

  @TempDir static Path temp;
  private static Path pluginJar;

  @BeforeAll
  static void buildThePlugin() throws Exception {
    Path sources = Files.createDirectories(temp.resolve("src/plugin"));
    Files.writeString(sources.resolve("Greeter.java"), GREETER);
    Files.writeString(sources.resolve("Text.java"), TEXT);
    Path classes = Files.createDirectories(temp.resolve("classes"));
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    int status =
        javac.run(
            null,
            null,
            null,
            "-d",
            classes.toString(),
            "-cp",
            System.getProperty("java.class.path"),
            sources.resolve("Greeter.java").toString(),
            sources.resolve("Text.java").toString());
    assertThat(status).isZero();
    pluginJar = temp.resolve("plugin.jar");
    try (OutputStream file = Files.newOutputStream(pluginJar);
        JarOutputStream jar = new JarOutputStream(file);
        Stream<Path> compiled = Files.walk(classes)) {
      for (Path path : compiled.filter(Files::isRegularFile).toList()) {
        jar.putNextEntry(new JarEntry(classes.relativize(path).toString()));
        Files.copy(path, jar);
        jar.closeEntry();
      }
    }
  }

  @Test
  void aPluginsLambdaRunsIsolatedWithThePluginsClasses() throws Exception {
    try (Isolator isolator =
        Isolator.builder()
            .forwardChildOutput(false)
            .resultFilter(ObjectInputFilter.Config.createFilter("plugin.*"))
            .build()) {
      assertThat(isolator.execute(() -> 1)).isEqualTo(1);
      try (URLClassLoader plugin =
          new URLClassLoader(
              "plugin", new URL[] {pluginJar.toUri().toURL()}, getClass().getClassLoader())) {
        @SuppressWarnings("unchecked")
        IsolatedCallable<Record> greet =
            (IsolatedCallable<Record>)
                plugin
                    .loadClass("plugin.Greeter")
                    .getMethod("greet", String.class)
                    .invoke(null, "host");
        for (int i = 0; i < 3; i++) {
          Record greeting = isolator.execute(greet);
          assertThat(greeting.getClass().getClassLoader()).isSameAs(plugin);
          assertThat(greeting.toString())
              .contains("text=hello host from isolate-loader-1")
              .doesNotContain("pid=" + ProcessHandle.current().pid() + "]");
        }
        assertThat(isolator.execute(() -> List.of(2))).isEqualTo(List.of(2));
      }
    }
  }
}
