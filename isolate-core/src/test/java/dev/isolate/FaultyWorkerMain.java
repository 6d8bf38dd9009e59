package dev.isolate;

import dev.isolate.internal.worker.WorkerMain;
import dev.isolate.internal.worker.Zygote;
import dev.isolate.posix.Syscalls;

/**
 * A worker image whose system calls fail as the property {@code isolate.test.fault} says: {@code
 * <call>:<errno>:<parent|child|children>} (see {@link FaultySyscalls}). Launched through {@code
 * Isolator.Builder.workerMainClass}; the worker image has the test class path.
 */
public final class FaultyWorkerMain {
  private FaultyWorkerMain() {}

  public static void main(String[] args) throws Exception {
    String[] fault = System.getProperty("isolate.test.fault").split(":");
    Syscalls real = Syscalls.system();
    WorkerMain.ProtocolStreams streams = WorkerMain.ProtocolStreams.takeOver(real);
    Syscalls faulty =
        new FaultySyscalls(
            real,
            fault[0],
            Integer.parseInt(fault[1]),
            fault[2],
            streams.input(),
            streams.output());
    new Zygote(faulty, streams).serve();
  }
}
