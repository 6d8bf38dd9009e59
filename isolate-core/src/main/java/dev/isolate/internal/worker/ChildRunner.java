package dev.isolate.internal.worker;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import dev.isolate.IsolatedCallable;
import dev.isolate.internal.wire.CallLimits;
import dev.isolate.internal.wire.ChildRecord;
import dev.isolate.internal.wire.Frame;
import dev.isolate.internal.wire.KryoCodec;
import dev.isolate.internal.wire.MalformedException;
import dev.isolate.internal.wire.SetupStep;
import dev.isolate.posix.NativeBuffer;
import dev.isolate.posix.PollSet;
import dev.isolate.posix.SyscallException;
import dev.isolate.posix.Syscalls;
import java.io.OutputStream;

/**
 * What runs in a forked child, top to bottom: set the process up, read the call, deserialize the
 * callable, run it, write the outcome as {@link ChildRecord}s, end the output and leave through
 * {@code _exit}. Nothing here throws past {@link #runChild} or {@link #runSpare}, and nothing calls
 * {@code System.exit}: HotSpot's exit path hangs in a fork.
 */
final class ChildRunner {
  private final Syscalls syscalls;
  private final NativeBuffer buffer;
  private final ResultWriter results;
  private final ChildSetup setup;
  private final Kryo kryo = KryoCodec.newKryo(ClassLoader.getSystemClassLoader());
  private final Loaders loaders = new Loaders();
  private final Learner learner = new Learner();
  private final int lingerMillis;
  private final PollSet noDescriptors;

  ChildRunner(Syscalls syscalls, NativeBuffer buffer, int zygotePid, int lingerMillis) {
    this.syscalls = syscalls;
    this.buffer = buffer;
    this.results = new ResultWriter(syscalls, buffer);
    this.setup = new ChildSetup(syscalls, buffer, results, zygotePid);
    this.lingerMillis = lingerMillis;
    this.noDescriptors = syscalls.newPollSet(1);
  }

  /** The Kryo children read callables with; the worker image prepares shapes in it. */
  Kryo kryo() {
    return kryo;
  }

  /** What children compare their classes against, to report what they learned. */
  Learner learner() {
    return learner;
  }

  /** The loaders the caller defined, which calls name. */
  Loaders loaders() {
    return loaders;
  }

  /** Set once before warm-up, if the isolator has a sandbox: every child enters it. */
  void sandbox(ChildSandbox sandbox) {
    setup.sandbox(sandbox);
  }

  /** Set after warm-up and each preloading: the files a new child must stop sharing. */
  void shareFiles(SharedFiles files) {
    setup.shareFiles(files);
  }

  /**
   * In a child forked for a call whose frame payload it inherited: {@code length} bytes at {@code
   * offset} of {@code request}. Never returns.
   */
  void runChild(byte[] request, int offset, int length, ChildPipes pipes) {
    setup.setUp(pipes);
    run(request, offset, length);
  }

  /**
   * In a spare child, forked before its call was known: sets itself up, then waits on its request
   * pipe for the call. Never returns.
   */
  void runSpare(ChildPipes pipes) {
    setup.setUp(pipes);
    byte[] request;
    try {
      request = SpareRequest.read(syscalls, pipes.requestReadFd(), buffer);
    } catch (SyscallException e) {
      setup.failed(SetupStep.READ_REQUEST, e.errno());
      return;
    }
    if (request == null) {
      // The worker image discarded this spare, or died: nobody waits for a report.
      setup.failed(SetupStep.READ_REQUEST, 0);
      return;
    }
    run(request, 0, request.length);
  }

  /** Sets the call's limits, runs the callable, reports its outcome, ends its output and leaves. */
  private void run(byte[] request, int offset, int length) {
    CallLimits limits;
    int loaderId;
    boolean learn;
    try {
      limits = Frame.Call.limitsAt(request, offset, length);
      loaderId = Frame.Call.loaderAt(request, offset, length);
      learn = Frame.Call.learnAt(request, offset, length);
    } catch (MalformedException e) {
      setup.failed(SetupStep.READ_REQUEST, 0);
      return;
    }
    setup.applyLimits(limits);
    int callable = offset + Frame.Call.CALLABLE_OFFSET;
    try {
      runCallable(request, callable, offset + length - callable, loaderId);
    } catch (Throwable unexpected) {
      try {
        results.throwable(ChildRecord.THREW, unexpected);
      } catch (Throwable reportFailed) {
        // Even the prepared report could not be written; the exit status says so.
        syscalls.exitImmediately(ChildRecord.EXIT_RESULT_WRITE_FAILED);
      }
    }
    if (learn) {
      reportLearned();
    }
    endOutput();
    linger();
    syscalls.exitImmediately(0);
  }

  /**
   * Deserializes and runs the callable of {@code length} bytes at {@code offset}, and writes its
   * outcome. Also run by the warm-up in the worker image itself, on a pipe, so that children find
   * every class loaded.
   */
  void runCallable(byte[] request, int offset, int length, int loaderId) {
    IsolatedCallable<?> callable;
    try {
      if (loaderId != 0) {
        // This child's own Kryo: its loader changes for this call alone.
        kryo.setClassLoader(loaders.get(loaderId));
      }
      callable = (IsolatedCallable<?>) kryo.readClassAndObject(new Input(request, offset, length));
    } catch (Throwable e) {
      results.throwable(ChildRecord.CALLABLE_UNREADABLE, e);
      return;
    }
    results.callableStarting();
    Object value;
    try {
      value = callable.call();
    } catch (Throwable e) {
      flushStandardStreams();
      results.throwable(ChildRecord.THREW, e);
      return;
    }
    flushStandardStreams();
    OutputStream parts = results.valueParts();
    try {
      Output output = new Output(parts, 64 * 1024);
      kryo.writeClassAndObject(output, value);
      output.flush();
    } catch (Throwable e) {
      results.throwable(ChildRecord.RESULT_UNSERIALIZABLE, e);
      return;
    }
    results.endValue(parts);
  }

  /** Writes what this child learned; best effort, after its outcome. */
  private void reportLearned() {
    try {
      byte[] learned = learner.learned();
      if (learned != null) {
        results.learned(learned);
      }
    } catch (Throwable e) {
      // The outcome is written: the worker image learns nothing from this child.
    }
  }

  /** The worker's {@link dev.isolate.internal.boot.ExitHook}: in a child, {@code _exit} at once. */
  void exitCalled(int status) {
    if (!results.inChild()) {
      return;
    }
    flushStandardStreams();
    results.exitCalled(status);
    syscalls.exitImmediately(status);
  }

  /** Points the records at a pipe for the warm-up; -1 restores "not a child". */
  void useResultPipe(int fd) {
    results.useFd(fd);
  }

  /**
   * Closes standard output, standard error and the result pipe: the worker image sees their end
   * now, and the caller has its outcome, rather than after the kernel has torn down a worker-sized
   * process.
   */
  private void endOutput() {
    try {
      syscalls.close(1);
      syscalls.close(2);
      syscalls.close(results.fd());
    } catch (SyscallException e) {
      // Then the end comes with the exit.
    }
  }

  /**
   * Waits a moment before {@code _exit}. Tearing down a worker-sized address space takes the kernel
   * a millisecond or two of CPU, in the exiting child's name; done at once, it competes with the
   * caller that is receiving the value (on two cores, it delayed the caller's wake-up by 1.3 ms at
   * the median).
   */
  private void linger() {
    if (lingerMillis > 0) {
      try {
        syscalls.poll(noDescriptors, 0, lingerMillis);
      } catch (SyscallException e) {
        // Interrupted: exit now.
      }
    }
  }

  private static void flushStandardStreams() {
    try {
      System.out.flush();
      System.err.flush();
    } catch (RuntimeException ignored) {
      // Output is best effort; the result is what matters.
    }
  }
}
