package dev.isolate;

import java.nio.file.Path;

/**
 * A caller JVM for {@link ProcessHygieneIT}: starts an isolator, prints its worker image's pid, and
 * makes a call that never returns, until the test kills this process with SIGKILL.
 */
public final class KilledCaller {
  private KilledCaller() {}

  public static void main(String[] args) throws Exception {
    String pidFile = args[0];
    Isolator isolator = Isolator.builder().forwardChildOutput(false).build();
    isolator.execute(() -> 0);
    // A caller killed with SIGKILL cannot remove its isolator's directory: the test does.
    System.out.println("worker " + isolator.workerPid() + " " + isolator.crashDirectory());
    System.out.flush();
    isolator.execute(
        () -> {
          Children.announcePid(Path.of(pidFile));
          return Libc.INSTANCE.pause();
        });
  }
}
