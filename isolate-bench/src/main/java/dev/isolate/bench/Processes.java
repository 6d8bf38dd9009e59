package dev.isolate.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
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
