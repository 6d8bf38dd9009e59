package dev.isolate.internal.host;

import dev.isolate.internal.agent.ExitAgent;
import dev.isolate.internal.boot.ExitHook;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.module.ResolvedModule;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

/**
 * The command line of a worker image: the caller's own {@code java} and class path, with fork-safe
 * options.
 */
public final class WorkerLaunch {
  /** The worker image's entry point. */
  public static final String MAIN_CLASS = "dev.isolate.internal.worker.WorkerMain";

  static final String AGENT_JAR_NAME = "isolate-exit-agent.jar";

  private WorkerLaunch() {}

  /**
   * Whether the heap should be asked for transparent huge pages: the kernel offers them (not {@code
   * [never]}), and it is 5.8 or later, where a write to a huge page shared with the worker image
   * copies 4 KiB into the child rather than 2 MiB.
   */
  static boolean transparentHugePagesHelp() {
    try {
      String mode = Files.readString(Path.of("/sys/kernel/mm/transparent_hugepage/enabled"));
      if (mode.contains("[never]")) {
        return false;
      }
    } catch (IOException | RuntimeException e) {
      return false;
    }
    String[] version = System.getProperty("os.version", "0.0").split("[.-]");
    try {
      int major = Integer.parseInt(version[0]);
      int minor = version.length > 1 ? Integer.parseInt(version[1]) : 0;
      return major > 5 || (major == 5 && minor >= 8);
    } catch (NumberFormatException e) {
      return false;
    }
  }

  /**
   * The worker image's class path: the caller's, and, for a caller on the module path, the
   * locations of the modules of the layer isolate was loaded in, as plain class path entries (in
   * the worker image, every class is on the class path and open to reflection).
   */
  static String classPath() {
    Set<String> entries = new LinkedHashSet<>();
    for (String entry : System.getProperty("java.class.path", "").split(File.pathSeparator)) {
      if (!entry.isEmpty()) {
        entries.add(entry);
      }
    }
    ModuleLayer layer = WorkerLaunch.class.getModule().getLayer();
    if (layer != null) {
      for (ResolvedModule module : layer.configuration().modules()) {
        module
            .reference()
            .location()
            .filter(location -> "file".equals(location.getScheme()))
            .ifPresent(location -> entries.add(Path.of(location).toString()));
      }
    }
    return String.join(File.pathSeparator, entries);
  }

  /**
   * Writes the exit agent's jar into {@code directory}: it holds only {@link ExitHook}, names
   * itself in {@code Boot-Class-Path} so that {@code java.lang.Runtime} can call it, and names
   * {@link ExitAgent} (found on the class path) as its {@code Premain-Class}.
   */
  public static Path writeAgentJar(Path directory) throws IOException {
    Manifest manifest = new Manifest();
    Attributes attributes = manifest.getMainAttributes();
    attributes.put(Attributes.Name.MANIFEST_VERSION, "1.0");
    attributes.putValue("Premain-Class", ExitAgent.class.getName());
    attributes.putValue("Can-Retransform-Classes", "true");
    attributes.putValue("Can-Redefine-Classes", "true");
    attributes.putValue("Boot-Class-Path", AGENT_JAR_NAME);
    Path jar = directory.resolve(AGENT_JAR_NAME);
    String entry = ExitHook.class.getName().replace('.', '/') + ".class";
    try (OutputStream file = Files.newOutputStream(jar);
        JarOutputStream out = new JarOutputStream(file, manifest);
        InputStream hook = ExitHook.class.getResourceAsStream("/" + entry)) {
      if (hook == null) {
        throw new IOException("cannot read " + entry + " from isolate-core's class path");
      }
      out.putNextEntry(new JarEntry(entry));
      hook.transferTo(out);
      out.closeEntry();
    }
    return jar;
  }

  /**
   * The command: the caller's {@code java}, the fork-safety options of the design (no JIT, Epsilon
   * GC, no perf data, a large metaspace threshold, crash files in {@code crashDirectory}), the exit
   * agent, the caller's extra options, the caller's class path.
   */
  public static List<String> command(
      Path agentJar,
      Path crashDirectory,
      long maxHeapBytes,
      List<String> extraOptions,
      String mainClass,
      List<String> arguments) {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    // Compiler threads and compiled code do not survive a fork; the interpreter has no such state.
    command.add("-Xint");
    // No GC ever runs, so no GC thread or safepoint is needed in a child.
    command.add("-XX:+UnlockExperimentalVMOptions");
    command.add("-XX:+UseEpsilonGC");
    command.add("-Xmx" + maxHeapBytes);
    // An OutOfMemoryError in a child is an exception to report, not a reason to exit.
    command.add("-XX:-ExitOnOutOfMemoryError");
    // A crashing child would otherwise delete the worker's hsperfdata file.
    command.add("-XX:-UsePerfData");
    // Metaspace growth past this threshold triggers a GC request, which hangs in a child.
    command.add("-XX:MetaspaceSize=1g");
    if (transparentHugePagesHelp()) {
      // A child's heap is fresh memory: touched 2 MiB at a time rather than 4 KiB, allocating and
      // filling 64 MiB in a child took 12 ms instead of 43.
      command.add("-XX:+UseTransparentHugePages");
    }
    command.add("-XX:ErrorFile=" + crashDirectory.resolve("hs_err_pid%p.log"));
    // Keep HotSpot's own messages off standard output, which carries frames until the worker takes
    // it over,
    // and drop Epsilon's advice about pre-touching, which does not apply to a heap that is forked.
    command.add("-XX:+DisplayVMOutputToStderr");
    command.add("-Xlog:disable");
    command.add("-Xlog:all=warning:stderr");
    command.add("-Xlog:gc+init=error:stderr");
    // An attach request would start a thread that could hold locks across a fork.
    command.add("-XX:+DisableAttachMechanism");
    command.add("-Djava.awt.headless=true");
    command.add("-javaagent:" + agentJar);
    command.addAll(extraOptions);
    command.add("-cp");
    command.add(classPath());
    command.add(mainClass);
    command.addAll(arguments);
    return command;
  }
}
