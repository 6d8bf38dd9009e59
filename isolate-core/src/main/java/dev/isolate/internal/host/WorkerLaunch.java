package dev.isolate.internal.host;

import dev.isolate.internal.agent.ExitAgent;
import dev.isolate.internal.boot.ExitHook;
import dev.isolate.posix.Signals;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
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

  /** The argument file of the worker image's options and class path. */
  static final String OPTIONS_FILE = "worker-options";

  /** Every file a worker image's launch writes into the work directory: removed at close. */
  public static final String WORK_FILES_GLOB =
      "{"
          + AGENT_JAR_NAME
          + ","
          + OPTIONS_FILE
          + ","
          + WorkerClassPath.COPY_PREFIX
          + "*.jar,loader-*.jar}";

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
   * agent, then, in an argument file in {@code workDirectory} (no length limit, and no secret of a
   * property on a command line), the options inherited from the caller, the user's extra options
   * and the class path.
   */
  public static List<String> command(
      Path workDirectory,
      Path agentJar,
      Path crashDirectory,
      long maxHeapBytes,
      List<String> inheritedOptions,
      List<String> extraOptions,
      List<Path> classPath,
      String mainClass,
      List<String> arguments)
      throws IOException {
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
    // it over, and drop Epsilon's advice about pre-touching, which does not apply to a heap that is
    // forked.
    command.add("-XX:+DisplayVMOutputToStderr");
    command.add("-Xlog:disable");
    command.add("-Xlog:all=warning:stderr");
    command.add("-Xlog:gc+init=error:stderr");
    // An attach request would start a thread that could hold locks across a fork.
    command.add("-XX:+DisableAttachMechanism");
    command.add("-Djava.awt.headless=true");
    // An isolator built in the worker image or a child runs its calls in place: see InPlaceEngine.
    command.add("-D" + InheritedOptions.WORKER_IMAGE_PROPERTY + "=true");
    command.add("-javaagent:" + agentJar);
    // How a child tells the classes it initialized from those it only loaded (see Learner).
    command.add("--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED");
    List<String> options = new ArrayList<>(inheritedOptions);
    options.addAll(libraryOptions(inheritedOptions));
    options.addAll(extraOptions);
    options.add("-cp");
    options.add(WorkerClassPath.join(classPath));
    Path argumentFile = workDirectory.resolve(OPTIONS_FILE);
    Files.writeString(argumentFile, argumentFile(options));
    command.add("@" + argumentFile);
    command.add(mainClass);
    command.addAll(arguments);
    return command;
  }

  /** How a worker image's exit reads: killed by a signal, or its status. */
  static String describeExit(int exitValue) {
    // Process.exitValue() reports a process ended by signal N as 128 + N.
    if (exitValue > 128 && exitValue < 128 + 65) {
      return "was killed by " + Signals.name(exitValue - 128);
    }
    return "exited with status " + exitValue;
  }

  /**
   * The process to start for {@code command}, without the environment variables through which
   * options reach a JVM behind the library's back: what of them the caller ran with arrives
   * filtered, as its input arguments (see {@link InheritedOptions}).
   */
  public static ProcessBuilder processOf(List<String> command) {
    ProcessBuilder builder = new ProcessBuilder(command);
    for (String variable : List.of("JAVA_TOOL_OPTIONS", "JDK_JAVA_OPTIONS", "_JAVA_OPTIONS")) {
      builder.environment().remove(variable);
    }
    return builder;
  }

  /**
   * What the library itself needs of a JDK that warns about it, unless the caller decided: native
   * access for jnr-ffi (warned about from JDK 24, set from 22, where the option exists for every
   * module) and {@code sun.misc.Unsafe} for Kryo (warned about from JDK 24; the option exists from
   * 23). So the worker image prints no warning for the library's own code.
   */
  static List<String> libraryOptions(List<String> inherited) {
    int feature = Runtime.version().feature();
    List<String> options = new ArrayList<>();
    if (feature >= 22
        && inherited.stream().noneMatch(o -> o.startsWith("--enable-native-access"))) {
      options.add("--enable-native-access=ALL-UNNAMED");
    }
    if (feature >= 23
        && inherited.stream().noneMatch(o -> o.startsWith("--sun-misc-unsafe-memory-access"))) {
      options.add("--sun-misc-unsafe-memory-access=allow");
    }
    return options;
  }

  /**
   * {@code options} as a JDK launcher argument file: each one quoted on a line of its own, with the
   * escapes the launcher reads inside quotes.
   */
  static String argumentFile(List<String> options) {
    StringBuilder file = new StringBuilder();
    for (String option : options) {
      file.append('"');
      for (int i = 0; i < option.length(); i++) {
        char c = option.charAt(i);
        switch (c) {
          case '\\' -> file.append("\\\\");
          case '"' -> file.append("\\\"");
          case '\n' -> file.append("\\n");
          case '\r' -> file.append("\\r");
          case '\t' -> file.append("\\t");
          default -> file.append(c);
        }
      }
      file.append("\"\n");
    }
    return file.toString();
  }
}
