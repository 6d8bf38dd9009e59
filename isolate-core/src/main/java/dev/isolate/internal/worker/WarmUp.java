package dev.isolate.internal.worker;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.io.Output;
import dev.isolate.IsolatedCallable;
import dev.isolate.internal.wire.Frame;
import dev.isolate.internal.wire.KryoCodec;
import dev.isolate.posix.ForkResult;
import dev.isolate.posix.Io;
import dev.isolate.posix.NativeBuffer;
import dev.isolate.posix.Pipe;
import dev.isolate.posix.SyscallException;
import dev.isolate.posix.Syscalls;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Runs the child's whole path once in the worker image before it serves, so that every class a
 * child needs is loaded and linked once here rather than in each child (rule 2 of the design).
 */
final class WarmUp {
  private final Syscalls syscalls;
  private final ChildRunner runner;

  WarmUp(Syscalls syscalls, ChildRunner runner) {
    this.syscalls = syscalls;
    this.runner = runner;
  }

  record Sample(String name, int[] numbers, List<String> list, Map<String, Long> map) {}

  void run() {
    try {
      Kryo kryo = KryoCodec.newKryo(ClassLoader.getSystemClassLoader());
      runThroughPipe(kryo, returning());
      runThroughPipe(kryo, throwing());
      // Again with the shapes prepared, as calls after the first find them: that path is warm too.
      Set<String> shapes = new LinkedHashSet<>();
      KryoCodec.recordShapes(kryo, shapes);
      IsolatedCallable<Object> prepared = returning();
      serialize(kryo, prepared);
      KryoCodec.recordShapes(kryo, null);
      for (String shape : shapes) {
        KryoCodec.prepare(runner.kryo(), shape);
      }
      runThroughPipe(kryo, prepared);
      readSpareRequest();
      forkAndReap();
    } catch (SyscallException e) {
      throw new IllegalStateException("the worker image failed its warm-up", e);
    }
  }

  private static IsolatedCallable<Object> returning() {
    Map<String, Long> map = new HashMap<>();
    map.put("k", 1L);
    List<String> list = new ArrayList<>(List.of("a", "b"));
    Sample sample = new Sample("warm", new int[] {1, 2}, list, map);
    return () -> List.of(sample, new byte[16], Map.of("x", 1), "text", 42L, 4.2);
  }

  private static IsolatedCallable<Object> throwing() {
    return () -> {
      throw new IllegalStateException("warm-up", new RuntimeException("cause"));
    };
  }

  private static byte[] serialize(Kryo kryo, IsolatedCallable<Object> callable) {
    Output output = new Output(1024, -1);
    kryo.writeClassAndObject(output, callable);
    return output.toBytes();
  }

  private void runThroughPipe(Kryo kryo, IsolatedCallable<Object> callable)
      throws SyscallException {
    byte[] request = serialize(kryo, callable);
    Pipe pipe = syscalls.pipe();
    try {
      runner.useResultPipe(pipe.writeFd());
      runner.runCallable(request, 0, request.length, 0);
    } finally {
      runner.useResultPipe(-1);
      syscalls.close(pipe.writeFd());
    }
    NativeBuffer sink = syscalls.allocate(4096);
    while (syscalls.read(pipe.readFd(), sink, 0, sink.capacity()) > 0) {
      // Discard: only the path mattered.
    }
    syscalls.close(pipe.readFd());
  }

  /** A spare's reading of its call, through a pipe: the path every spare takes. */
  private void readSpareRequest() throws SyscallException {
    Pipe pipe = syscalls.pipe();
    NativeBuffer request = syscalls.allocate(4 + Frame.Call.CALLABLE_OFFSET);
    request.putInt(0, Frame.Call.CALLABLE_OFFSET);
    Io.writeFully(syscalls, pipe.writeFd(), request, 0, request.capacity());
    syscalls.close(pipe.writeFd());
    SpareRequest.read(syscalls, pipe.readFd(), request);
  }

  private void forkAndReap() throws SyscallException {
    ForkResult forked = syscalls.fork();
    if (forked instanceof ForkResult.Child) {
      syscalls.exitImmediately(0);
    }
    int pid = ((ForkResult.Parent) forked).childPid();
    Io.retryOnEintr(() -> syscalls.waitpid(pid, false));
  }
}
