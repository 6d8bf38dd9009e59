package dev.isolate.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.LongPredicate;
import java.util.stream.Collectors;

/** Other processes, as the benchmark starts and inspects them: fresh JVMs and worker images. */
final class Processes {
  private static final String WORKER_MAIN = "dev.isolate.internal.worker.WorkerMain";

  private Processes() {}

  /** Runs {@code command} to its end and returns its standard output; its stderr goes to ours. */
  static byte[] runToEnd(List<String> command) throws IOException, InterruptedException {
    Process process =
        new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    byte[] output = process.getInputStream().readAllBytes();
    int status = process.waitFor();
    if (status != 0) {
      throw new IOException(command.get(command.size() - 1) + " exited with status " + status);
    }
    return output;
  }

  /** The live children of this JVM that run the worker image's main class. */
  static Set<Long> workerPids() {
    return ProcessHandle.current()
        .children()
        .filter(child -> commandLine(child.pid()).contains(WORKER_MAIN))
        .map(ProcessHandle::pid)
        .collect(Collectors.toCollection(HashSet::new));
  }

  /**
   * The live child of this JVM running the worker image's main class that {@code which} accepts and
   * that started last: when an isolator has replaced its worker image and the old one has not
   * exited yet, the one that now takes the calls.
   */
  static Optional<Long> newestWorker(LongPredicate which) {
    return ProcessHandle.current()
        .children()
        .filter(child -> which.test(child.pid()))
        .filter(child -> commandLine(child.pid()).contains(WORKER_MAIN))
        .max(
            Comparator.comparing(
                    (ProcessHandle child) -> child.info().startInstant().orElse(Instant.MIN))
                .thenComparingLong(ProcessHandle::pid))
        .map(ProcessHandle::pid);
  }

  /**
   * The worker image's argument file ({@code @<path>}) in the command line of {@code pid}: one per
   * isolator, shared by the worker images that replace one another, so it tells the isolator.
   */
  static Optional<String> argumentFile(long pid) {
    return Arrays.stream(commandLine(pid).split(" "))
        .filter(argument -> argument.startsWith("@"))
        .findFirst();
  }

  static String commandLine(long pid) {
    try {
      return new String(
              Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline")),
              StandardCharsets.UTF_8)
          .replace('\0', ' ');
    } catch (IOException gone) {
      return "";
    }
  }

  static long rssBytes(long pid) throws IOException {
    for (String line :
        Files.readAllLines(
            Path.of("/proc", Long.toString(pid), "status"), StandardCharsets.UTF_8)) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.substring("VmRSS:".length()).replace("kB", "").strip()) * 1024;
      }
    }
    throw new IOException("no VmRSS line in /proc/" + pid + "/status");
  }
}
