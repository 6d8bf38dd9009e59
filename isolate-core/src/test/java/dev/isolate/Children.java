package dev.isolate;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/** Helpers for tests that reach into a running child from outside. */
final class Children {
  private Children() {}

  /** Waits until the child has written its pid into {@code file}. */
  static int awaitPid(Path file, Duration atMost) throws IOException, InterruptedException {
    long deadline = System.nanoTime() + atMost.toNanos();
    while (System.nanoTime() < deadline) {
      if (Files.exists(file)) {
        String text = Files.readString(file).strip();
        if (!text.isEmpty()) {
          return Integer.parseInt(text);
        }
      }
      Thread.sleep(10);
    }
    throw new AssertionError("no pid in " + file + " after " + atMost);
  }

  /**
   * Submits a call whose child sits in {@code pause()} until it is cancelled, and waits until it
   * runs: with {@code maxConcurrentCalls(1)}, it holds the only slot.
   */
  static java.util.concurrent.CompletableFuture<Integer> blockingCall(
      Isolator isolator, Path directory) throws IOException, InterruptedException {
    Path pidFile = directory.resolve("blocker.pid");
    String pidPath = pidFile.toString();
    java.util.concurrent.CompletableFuture<Integer> blocker =
        isolator.submit(
            () -> {
              announcePid(Path.of(pidPath));
              return Libc.INSTANCE.pause();
            });
    awaitPid(pidFile, Duration.ofSeconds(30));
    return blocker;
  }

  /** Writes this child's pid (as the kernel knows it) into {@code file}. */
  static void announcePid(Path file) throws IOException {
    Path partial = file.resolveSibling(file.getFileName() + ".tmp");
    Files.writeString(partial, Integer.toString(Libc.INSTANCE.getpid()));
    Files.move(partial, file);
  }
}
