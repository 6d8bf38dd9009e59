package app;

import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A plugin host: {@code HostMain <plugin.jar> <plugin's library directory>}. The checks build the
 * isolator first; only then is the plugin loaded, through a new URLClassLoader over its jars whose
 * parent is the host's loader, and the checks run the plugin's lambdas.
 */
public final class HostMain {
  private HostMain() {}

  public static void main(String[] args) {
    System.exit(LaunchChecks.run(() -> load(Path.of(args[0]), Path.of(args[1]))));
  }

  private static Workload load(Path jar, Path libraries) throws Exception {
    List<URL> urls = new ArrayList<>();
    urls.add(jar.toUri().toURL());
    urls.addAll(jarsIn(libraries));
    // Never closed: the plugin's classes are in use until the JVM exits.
    URLClassLoader loader =
        new URLClassLoader(urls.toArray(URL[]::new), HostMain.class.getClassLoader());
    Class<?> workload = loader.loadClass("plugin.PluginWorkload");
    return (Workload) workload.getDeclaredConstructor().newInstance();
  }

  private static List<URL> jarsIn(Path directory) throws IOException {
    List<URL> urls = new ArrayList<>();
    try (DirectoryStream<Path> jars = Files.newDirectoryStream(directory, "*.jar")) {
      for (Path jar : jars) {
        urls.add(jar.toUri().toURL());
      }
    }
    return urls;
  }
}
