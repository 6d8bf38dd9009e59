package dev.isolate.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The facts about the machine and JVM that a reader needs to compare numbers across runs. */
final class Machine {
  private Machine() {}

  static Table describe(String command) throws IOException {
    Map<String, String> facts = new LinkedHashMap<>();
    // What nproc prints: the processors this process may run on.
    facts.put("nproc", Integer.toString(Runtime.getRuntime().availableProcessors()));
    facts.put("CPU", firstValue(Path.of("/proc/cpuinfo"), "model name"));
    String memTotal = firstValue(Path.of("/proc/meminfo"), "MemTotal");
    facts.put("memory", Format.mib(Long.parseLong(memTotal.replace("kB", "").strip()) * 1024));
    // What uname -r prints.
    facts.put(
        "kernel",
        Files.readString(Path.of("/proc/sys/kernel/osrelease"), StandardCharsets.US_ASCII).strip());
    facts.put("java.version", System.getProperty("java.version"));
    facts.put("java.vm.name", System.getProperty("java.vm.name"));
    facts.put(
        "date",
        ZonedDateTime.now(ZoneOffset.UTC)
            .truncatedTo(ChronoUnit.SECONDS)
            .format(DateTimeFormatter.ISO_OFFSET_DATE_TIME));
    facts.put("command", "`" + command + "`");
    Table table = new Table("fact", "value");
    facts.forEach(table::row);
    return table;
  }

  /** The value of the first {@code key: value} line of a /proc file, or "unknown". */
  private static String firstValue(Path file, String key) throws IOException {
    List<String> lines = Files.readAllLines(file, StandardCharsets.US_ASCII);
    for (String line : lines) {
      int colon = line.indexOf(':');
      if (colon > 0 && line.substring(0, colon).strip().equals(key)) {
        return line.substring(colon + 1).strip();
      }
    }
    return "unknown";
  }
}
