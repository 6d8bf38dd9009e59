package dev.isolate;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Which package of isolate-core may import which, as docs/ARCHITECTURE.md draws them: the worker
 * side never sees the caller's engine, the wire formats see nothing but the binding, and the boot
 * class path's hook sees nothing at all.
 */
class HouseRulesTest {
  private static final String API = "dev.isolate";
  private static final String POSIX = "dev.isolate.posix";
  private static final String AGENT = "dev.isolate.internal.agent";
  private static final String BOOT = "dev.isolate.internal.boot";
  private static final String HOST = "dev.isolate.internal.host";
  private static final String JFR = "dev.isolate.internal.jfr";
  private static final String OUTCOME = "dev.isolate.internal.outcome";
  private static final String WIRE = "dev.isolate.internal.wire";
  private static final String WORKER = "dev.isolate.internal.worker";

  private static final Map<String, Set<String>> ALLOWED =
      Map.of(
          API, Set.of(HOST, JFR, OUTCOME, WIRE, POSIX),
          AGENT, Set.of(BOOT),
          BOOT, Set.of(),
          HOST, Set.of(AGENT, BOOT, WIRE, POSIX),
          JFR, Set.of(),
          OUTCOME, Set.of(API, HOST, WIRE, POSIX),
          WIRE, Set.of(POSIX),
          WORKER, Set.of(API, BOOT, WIRE, POSIX));

  /** An import of a name of isolate: the name before the last dot may be a type or a package. */
  private static final Pattern IMPORT =
      Pattern.compile("^import (static )?(dev\\.isolate[\\w.]*)\\.(\\w+);", Pattern.MULTILINE);

  @Test
  void eachPackageImportsOnlyWhatItsLayerMay() throws IOException {
    Map<String, Set<String>> found = new TreeMap<>();
    Path sources = Path.of("src/main/java");
    try (Stream<Path> files = Files.walk(sources)) {
      for (Path file :
          (Iterable<Path>) files.filter(f -> f.toString().endsWith(".java"))::iterator) {
        String text = Files.readString(file);
        Matcher packageLine =
            Pattern.compile("^package ([\\w.]+);", Pattern.MULTILINE).matcher(text);
        if (!packageLine.find()) {
          continue;
        }
        String own = packageLine.group(1);
        Matcher imports = IMPORT.matcher(text);
        while (imports.find()) {
          String imported = packageOf(imports.group(2));
          if (!imported.equals(own)) {
            found.computeIfAbsent(own, key -> new TreeSet<>()).add(imported);
          }
        }
      }
    }
    assertThat(found).isNotEmpty();
    found.forEach(
        (own, imported) ->
            assertThat(imported)
                .as("what %s imports", own)
                .isSubsetOf(ALLOWED.getOrDefault(own, Set.of())));
  }

  /** The package of an imported name: a nested type's outer class is not a package. */
  private static String packageOf(String qualifier) {
    String[] parts = qualifier.split("\\.");
    StringBuilder pkg = new StringBuilder();
    for (String part : parts) {
      if (Character.isUpperCase(part.charAt(0))) {
        break;
      }
      pkg.append(pkg.length() == 0 ? "" : ".").append(part);
    }
    return pkg.toString();
  }
}
