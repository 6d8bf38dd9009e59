package dev.isolate;

import java.lang.reflect.Field;
import java.util.Map;
import java.util.TreeMap;

/**
 * A caller JVM for {@link JvmSettingsIT}, started with the settings under test: prints, one per
 * line, what its child sees of them. With the argument {@code no-inherit}, its isolator is built
 * with {@code inheritJvmOptions(false)}.
 */
public final class SettingsCaller {
  private SettingsCaller() {}

  /** Whether this JVM may reflect into java.lang: only with an --add-opens of it. */
  static boolean javaLangOpen() {
    try {
      Field value = String.class.getDeclaredField("value");
      return value.trySetAccessible();
    } catch (NoSuchFieldException e) {
      return false;
    }
  }

  public static void main(String[] args) throws Exception {
    System.setProperty("set.at.runtime", "by the caller");
    boolean inherit = args.length == 0 || !args[0].equals("no-inherit");
    try (Isolator isolator = Isolator.builder().inheritJvmOptions(inherit).build()) {
      Map<String, String> seen =
          isolator.execute(
              () -> {
                Map<String, String> child = new TreeMap<>();
                child.put("caller.prop", System.getProperty("caller.prop"));
                child.put("set.at.runtime", System.getProperty("set.at.runtime"));
                child.put("tool.prop", System.getProperty("tool.prop"));
                child.put("java.library.path", System.getProperty("java.library.path"));
                child.put(
                    "assertions", String.valueOf(SettingsCaller.class.desiredAssertionStatus()));
                child.put("java.lang open", String.valueOf(javaLangOpen()));
                child.put("JAVA_TOOL_OPTIONS", System.getenv("JAVA_TOOL_OPTIONS"));
                return child;
              });
      seen.forEach((key, value) -> System.out.println("child " + key + " = " + value));
    }
  }
}
