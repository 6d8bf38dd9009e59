package dev.isolate.internal.worker;

import dev.isolate.posix.Syscalls;

/**
 * The worker image's entry point: {@code java <fork-safe options>
 * dev.isolate.internal.worker.WorkerMain}. Its settings come in the first frame.
 */
public final class WorkerMain {
  private WorkerMain() {}

  public static void main(String[] args) throws Exception {
    Syscalls syscalls = Syscalls.system();
    ProtocolStreams streams = ProtocolStreams.takeOver(syscalls);
    Zygote.configure(syscalls, streams).serve();
  }
}
