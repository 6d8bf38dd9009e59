package dev.isolate;

import dev.isolate.internal.worker.WorkerMain;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A worker image that does not start until its first argument, a file, exists: so that a test can
 * hold the worker image unready for as long as it needs, and then let it go.
 */
public final class GatedWorkerMain {
  private GatedWorkerMain() {}

  public static void main(String[] args) throws Exception {
    Path gate = Path.of(args[0]);
    long giveUp = System.nanoTime() + 120_000_000_000L;
    while (!Files.exists(gate) && System.nanoTime() < giveUp) {
      Thread.sleep(10);
    }
    WorkerMain.main(new String[0]);
  }
}
