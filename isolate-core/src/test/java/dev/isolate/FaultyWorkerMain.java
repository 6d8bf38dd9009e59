package dev.isolate;

import dev.isolate.internal.worker.ProtocolStreams;
import dev.isolate.internal.worker.Zygote;
import dev.isolate.posix.Syscalls;

/**
 * A worker image whose system calls fail as its first argument says: {@code
 * <call>:<errno>:<parent|child|children>} (see {@link FaultySyscalls}). Launched through {@code
 * Isolator.Builder.workerMain}; the worker image has the test class path.
 */
public final class FaultyWorkerMain {
  private FaultyWorkerMain() {}

  public static void main(String[] args) throws Exception {
    String[] fault = args[0].split(":");
    Syscalls real = Syscalls.system();
    ProtocolStreams streams = ProtocolStreams.takeOver(real);
    Syscalls faulty =
        new FaultySyscalls(
            real,
            fault[0],
            Integer.parseInt(fault[1]),
            fault[2],
            streams.input(),
            streams.output());
    Zygote.configure(faulty, streams).serve();
  }
}
