package dev.isolate.internal.host;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.function.Predicate;

/**
 * The caller's JVM settings that the worker image takes over, so that code runs in a child as it
 * would in the caller: its system properties, and the options that change what code may do. A pure
 * function of the caller's input arguments and properties.
 *
 * <p>Carried: every system property but those the JVM and its launcher define for themselves (a
 * {@code -D} of the JDK's own name, {@code -Djava.library.path=...} say, is carried when it was
 * given on the command line); {@code --add-opens}, {@code --add-exports}, {@code --add-reads},
 * {@code --add-modules} of the JDK's modules (a module of the caller's is, in the worker image, the
 * unnamed module, so that its sources are dropped and its targets become {@code ALL-UNNAMED});
 * {@code --enable-native-access}, {@code --illegal-native-access}, {@code
 * --sun-misc-unsafe-memory-access}, {@code --enable-preview}; assertions ({@code -ea}, {@code -da},
 * {@code -esa}, {@code -dsa} and their long forms); {@code -Xss} and {@code
 * -XX:MaxDirectMemorySize}.
 *
 * <p>Not carried, because they would break fork safety or are the worker image's own: agents
 * ({@code -javaagent}, {@code -agentlib}, {@code -agentpath}: debuggers and profilers start threads
 * and open sockets), JIT and GC choices and tuning, heap sizes, JFR, logging ({@code -Xlog}, {@code
 * -verbose}), crash and dump files, CDS archives, the class and module paths, and any other {@code
 * -X} or {@code -XX} option.
 */
public final class InheritedOptions {
  /** Set in the worker image: a JVM that is a worker image, or a child of one. */
  public static final String WORKER_IMAGE_PROPERTY = "isolate.workerImage";

  /** Property prefixes the JDK and its launcher own: never carried from the properties alone. */
  private static final List<String> JDK_PREFIXES =
      List.of(
          "java.", "jdk.", "sun.", "os.", "user.", "file.", "line.", "path.", "native.", "stdout.",
          "stderr.", "awt.", "javax.");

  /** Properties the worker image sets or that name the caller's own launch. */
  private static final Set<String> NEVER =
      Set.of(
          "java.class.path",
          "java.home",
          "java.awt.headless",
          "jdk.module.path",
          "jdk.module.main",
          "jdk.module.main.class",
          "jdk.module.upgrade.path",
          "jdk.module.limitmods",
          "jdk.module.addmods",
          "sun.java.command",
          "sun.java.launcher",
          "sun.boot.library.path",
          WORKER_IMAGE_PROPERTY);

  private static final List<String> ASSERTIONS =
      List.of(
          "-ea",
          "-da",
          "-esa",
          "-dsa",
          "-enableassertions",
          "-disableassertions",
          "-enablesystemassertions",
          "-disablesystemassertions");

  private static final List<String> MODULE_OPTIONS =
      List.of("--add-opens", "--add-exports", "--add-reads");

  private InheritedOptions() {}

  /**
   * The options a worker image of a caller with these {@code inputArguments} (as {@code
   * RuntimeMXBean} gives them) and {@code properties} is started with; {@code jdkModule} tells the
   * JDK's module names from the caller's.
   */
  public static List<String> of(
      List<String> inputArguments, Properties properties, Predicate<String> jdkModule) {
    List<String> options = new ArrayList<>();
    Map<String, String> commandLineProperties = new LinkedHashMap<>();
    for (int i = 0; i < inputArguments.size(); i++) {
      String argument = inputArguments.get(i);
      String next = i + 1 < inputArguments.size() ? inputArguments.get(i + 1) : null;
      if (argument.startsWith("-D")) {
        int equals = argument.indexOf('=');
        String key = equals < 0 ? argument.substring(2) : argument.substring(2, equals);
        commandLineProperties.put(key, equals < 0 ? "" : argument.substring(equals + 1));
      } else if (isAssertion(argument)
          || argument.equals("--enable-preview")
          || argument.startsWith("-Xss")
          || argument.startsWith("-XX:MaxDirectMemorySize=")
          || argument.startsWith("--illegal-native-access=")
          || argument.startsWith("--sun-misc-unsafe-memory-access=")) {
        options.add(argument);
      } else if (argument.startsWith("--enable-native-access")) {
        // The caller's modules are the worker image's unnamed module.
        options.add("--enable-native-access=ALL-UNNAMED");
      } else if (moduleOption(argument) != null) {
        String option = moduleOption(argument);
        boolean separate = argument.equals(option);
        String value = separate ? next : argument.substring(option.length() + 1);
        if (separate) {
          i++;
        }
        String rewritten = value == null ? null : rewriteModuleOption(option, value, jdkModule);
        if (rewritten != null) {
          options.add(option + "=" + rewritten);
        }
      } else if (argument.startsWith("--add-modules")) {
        boolean separate = argument.equals("--add-modules");
        String value = separate ? next : argument.substring("--add-modules=".length());
        if (separate) {
          i++;
        }
        List<String> jdk = new ArrayList<>();
        for (String module : value == null ? new String[0] : value.split(",")) {
          if (jdkModule.test(module)) {
            jdk.add(module);
          }
        }
        if (!jdk.isEmpty()) {
          options.add("--add-modules=" + String.join(",", jdk));
        }
      }
    }
    for (String key : properties.stringPropertyNames()) {
      boolean jdkOwned = JDK_PREFIXES.stream().anyMatch(key::startsWith);
      boolean given = commandLineProperties.containsKey(key);
      if (NEVER.contains(key) || (jdkOwned && !given)) {
        continue;
      }
      // The value now, which a program may have changed since its launch.
      options.add("-D" + key + "=" + properties.getProperty(key));
    }
    return options;
  }

  private static boolean isAssertion(String argument) {
    for (String assertion : ASSERTIONS) {
      if (argument.equals(assertion) || argument.startsWith(assertion + ":")) {
        return true;
      }
    }
    return false;
  }

  /** The module option {@code argument} is, in either form, or null. */
  private static String moduleOption(String argument) {
    for (String option : MODULE_OPTIONS) {
      if (argument.equals(option) || argument.startsWith(option + "=")) {
        return option;
      }
    }
    return null;
  }

  /**
   * {@code source/package=target,...} (or {@code source=target,...} for {@code --add-reads}) as it
   * applies in the worker image, where only the JDK's modules are named: null if the source is a
   * module of the caller's (its classes are unnamed there, and open already).
   */
  private static String rewriteModuleOption(
      String option, String value, Predicate<String> jdkModule) {
    int equals = value.indexOf('=');
    if (equals < 0) {
      return null;
    }
    String source = value.substring(0, equals);
    String sourceModule = source.contains("/") ? source.substring(0, source.indexOf('/')) : source;
    if (!jdkModule.test(sourceModule)) {
      return null;
    }
    List<String> targets = new ArrayList<>();
    for (String target : value.substring(equals + 1).split(",")) {
      String named =
          target.equals("ALL-UNNAMED") || jdkModule.test(target) ? target : "ALL-UNNAMED";
      if (!targets.contains(named)) {
        targets.add(named);
      }
    }
    return source + "=" + String.join(",", targets);
  }
}
