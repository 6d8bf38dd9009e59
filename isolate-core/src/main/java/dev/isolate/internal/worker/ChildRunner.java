package dev.isolate.internal.worker;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import dev.isolate.IsolatedCallable;
import dev.isolate.internal.wire.Bytes;
import dev.isolate.internal.wire.ChildRecords;
import dev.isolate.internal.wire.Frames;
import dev.isolate.internal.wire.KryoCodec;
import dev.isolate.internal.wire.ThrowableCodec;
import dev.isolate.posix.Errno;
import dev.isolate.posix.NativeBuffer;
import dev.isolate.posix.PollSet;
import dev.isolate.posix.Signals;
import dev.isolate.posix.SyscallException;
import dev.isolate.posix.Syscalls;
import java.io.OutputStream;

/**
 * What runs in a forked child: set the process up, deserialize the callable, run it, write the
 * outcome as {@link ChildRecords} and leave through {@code _exit}. Nothing here throws past {@link
 * #runChild}, and nothing calls {@code System.exit}: HotSpot's exit path hangs in a fork.
 */
final class ChildRunner {
  private static final int[] SIGNALS_TO_RESET = {
    Signals.SIGTERM, Signals.SIGINT, Signals.SIGHUP, Signals.SIGPIPE, Signals.SIGQUIT
  };

  private static final byte[] VM_SIZE = {'V', 'm', 'S', 'i', 'z', 'e', ':'};

  private final Syscalls syscalls;
  private final NativeBuffer buffer;
  private final int zygotePid;
  private final Kryo kryo = KryoCodec.newKryo(ClassLoader.getSystemClassLoader());

  /**
   * Written when even the report of an OutOfMemoryError cannot be encoded: prepared before any
   * fork.
   */
  private final byte[] outOfMemoryReport;

  /** The result pipe while a callable runs in this process; -1 in the worker image itself. */
  private volatile int resultFd = -1;

  private SharedFiles sharedFiles;
  private static final int LINGER_MILLIS = Integer.getInteger("isolate.childLingerMillis", 1);
  private final PollSet noDescriptors;

  ChildRunner(Syscalls syscalls, NativeBuffer buffer, int zygotePid) {
    this.syscalls = syscalls;
    this.buffer = buffer;
    this.zygotePid = zygotePid;
    this.noDescriptors = syscalls.newPollSet(1);
    // Loaded now: a child that fails a system call before it stops sharing the worker's jars must
    // not
    // have to load the exception's class from them.
    new SyscallException("warm-up", 0, "").errno();
    OutOfMemoryError prepared =
        new OutOfMemoryError("Java heap space (the child could not encode the original error)");
    prepared.setStackTrace(new StackTraceElement[0]);
    Output output = new Output(256, -1);
    ThrowableCodec.write(output, prepared);
    this.outOfMemoryReport = output.toBytes();
  }

  /**
   * The Kryo children read callables with; the worker image prepares shapes in it before forking.
   */
  Kryo kryo() {
    return kryo;
  }

  /** Set once after warm-up: the files a new child must stop sharing with the worker image. */
  void shareFiles(SharedFiles files) {
    sharedFiles = files;
  }

  /**
   * The write ends a child keeps, the read end of its request pipe (a spare child's; -1 for a child
   * forked for a call already in memory), and every descriptor it must close.
   */
  record Pipes(
      int resultWriteFd, int outWriteFd, int errWriteFd, int requestReadFd, int[] toClose) {}

  /**
   * Runs in a child forked for a call whose request it inherited; never returns.
   *
   * @param nativeMemoryBytes how much address space the child may add to what it inherited; 0: no
   *     limit
   * @param cpuSeconds the child's CPU-time limit; 0: none
   */
  void runChild(
      byte[] request,
      int offset,
      int length,
      Pipes pipes,
      long nativeMemoryBytes,
      long cpuSeconds) {
    setUp(pipes);
    applyLimits(nativeMemoryBytes, cpuSeconds);
    run(request, offset, length);
  }

  /**
   * Runs in a spare child, forked before its call was known: sets itself up, then waits on its
   * request pipe for the call ({@code int length}, the limits, the callable); never returns.
   */
  void runSpare(Pipes pipes) {
    setUp(pipes);
    byte[] request;
    try {
      request = readRequest(pipes.requestReadFd());
    } catch (SyscallException e) {
      setUpFailed(ChildRecords.STEP_READ_REQUEST, e.errno());
      return;
    }
    if (request == null) {
      // The worker image discarded this spare, or died: nobody waits for a report.
      setUpFailed(ChildRecords.STEP_READ_REQUEST, 0);
      return;
    }
    applyLimits(Bytes.getLong(request, 8), Bytes.getLong(request, 16));
    run(request, Frames.CALL_LIMITS, request.length - Frames.CALL_LIMITS);
  }

  /**
   * The request, or null if the pipe ended first. Reads through {@link #buffer}, which holds any
   * request a spare is given.
   */
  private byte[] readRequest(int fd) throws SyscallException {
    int have = 0;
    int needed = 4;
    boolean lengthKnown = false;
    while (have < needed) {
      int n;
      try {
        n = syscalls.read(fd, buffer, have, needed - have);
      } catch (SyscallException e) {
        if (e.errno() == Errno.EINTR) {
          continue;
        }
        throw e;
      }
      if (n == 0) {
        return null;
      }
      have += n;
      if (!lengthKnown && have >= 4) {
        lengthKnown = true;
        needed = 4 + buffer.getInt(0);
        if (needed > buffer.capacity() || needed < 4 + Frames.CALL_LIMITS) {
          return null;
        }
      }
    }
    syscalls.close(fd);
    byte[] request = new byte[needed - 4];
    buffer.get(4, request, 0, request.length);
    return request;
  }

  /**
   * What every child does before its callable: close what is not its own, stop sharing the worker's
   * files, take its standard streams, reset signals, die with the worker image, and never dump
   * core. On failure, reports the step and exits.
   */
  private void setUp(Pipes pipes) {
    int resultWriteFd = pipes.resultWriteFd();
    int outWriteFd = pipes.outWriteFd();
    int errWriteFd = pipes.errWriteFd();
    int step = ChildRecords.STEP_CLOSE_PIPES;
    try {
      // Nothing before the unsharing below may load a class from a jar: plain system calls only.
      for (int fd : pipes.toClose()) {
        syscalls.close(fd);
      }
      step = ChildRecords.STEP_SHARED_FILES;
      if (sharedFiles != null) {
        sharedFiles.unshare(syscalls, resultWriteFd, outWriteFd, errWriteFd, pipes.requestReadFd());
      }
      step = ChildRecords.STEP_STANDARD_STREAMS;
      syscalls.dup2(outWriteFd, 1);
      syscalls.dup2(errWriteFd, 2);
      syscalls.close(outWriteFd);
      syscalls.close(errWriteFd);
      step = ChildRecords.STEP_SIGNALS;
      // HotSpot hands these to its Signal Dispatcher thread, which did not survive the fork.
      for (int signal : SIGNALS_TO_RESET) {
        syscalls.resetSignalToDefault(signal);
      }
      step = ChildRecords.STEP_PARENT_DEATH_SIGNAL;
      syscalls.setParentDeathSignal(Signals.SIGKILL);
      if (syscalls.getppid() != zygotePid) {
        // The worker image died between fork and prctl: nobody is left to read a result.
        syscalls.exitImmediately(ChildRecords.EXIT_WORKER_GONE);
      }
      step = ChildRecords.STEP_LIMITS;
      // A crash must not leave a core file of a worker-sized process on the caller's disk.
      syscalls.setResourceLimit(Syscalls.RLIMIT_CORE, 0, 0);
    } catch (SyscallException e) {
      resultFd = resultWriteFd;
      setUpFailed(step, e.errno());
    }
    resultFd = resultWriteFd;
  }

  /** Sets the call's own limits; on failure, reports the step and exits. */
  private void applyLimits(long nativeMemoryBytes, long cpuSeconds) {
    try {
      if (cpuSeconds > 0) {
        // SIGXCPU at the soft limit; SIGKILL a second later if the callable ignores it.
        syscalls.setResourceLimit(Syscalls.RLIMIT_CPU, cpuSeconds, cpuSeconds + 1);
      }
      if (nativeMemoryBytes > 0) {
        // RLIMIT_AS, not RLIMIT_DATA: HotSpot reserves the whole Java heap as address space at
        // start,
        // so only new mappings (malloc, mmap, thread stacks) count against this budget; RLIMIT_DATA
        // also counts heap pages as they are committed, and HotSpot dies when a commit fails.
        long limit = saturatedAdd(addressSpaceBytes(), nativeMemoryBytes);
        syscalls.setResourceLimit(Syscalls.RLIMIT_AS, limit, limit);
      }
    } catch (SyscallException e) {
      setUpFailed(ChildRecords.STEP_LIMITS, e.errno());
    }
  }

  private void setUpFailed(int step, int errno) {
    byte[] payload = new byte[8];
    Bytes.putInt(payload, 0, step);
    Bytes.putInt(payload, 4, errno);
    writeRecord(ChildRecords.SETUP_FAILED, payload, 0, payload.length);
    syscalls.exitImmediately(0);
  }

  /** Runs the callable, reports its outcome, ends its output and leaves. */
  private void run(byte[] request, int offset, int length) {
    try {
      runCallable(request, offset, length);
    } catch (Throwable unexpected) {
      try {
        writeThrowable(ChildRecords.THREW, unexpected);
      } catch (Throwable reportFailed) {
        // Even the prepared report could not be written; the exit status says so.
        syscalls.exitImmediately(ChildRecords.EXIT_RESULT_WRITE_FAILED);
      }
    }
    endOutput();
    linger();
    syscalls.exitImmediately(0);
  }

  /**
   * Waits a moment before {@code _exit}. Tearing down a worker-sized address space takes the kernel
   * a millisecond or two of CPU, in the exiting child's name; done at once, it competes with the
   * caller that is receiving the value (on two cores, it delayed the caller's wake-up by 1.3 ms at
   * the median).
   */
  private void linger() {
    if (LINGER_MILLIS > 0) {
      try {
        syscalls.poll(noDescriptors, 0, LINGER_MILLIS);
      } catch (SyscallException e) {
        // Interrupted: exit now.
      }
    }
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
      syscalls.close(resultFd);
    } catch (SyscallException e) {
      // Then the end comes with the exit.
    }
  }

  private static long saturatedAdd(long a, long b) {
    long sum = a + b;
    return sum < 0 ? Long.MAX_VALUE : sum;
  }

  /**
   * This process's address space ({@code VmSize} of {@code /proc/self/status}), read with plain
   * system calls.
   */
  private long addressSpaceBytes() throws SyscallException {
    int fd = syscalls.open("/proc/self/status", Syscalls.O_RDONLY | Syscalls.O_CLOEXEC);
    int length = 0;
    try {
      int n;
      while (length < buffer.capacity()
          && (n = syscalls.read(fd, buffer, length, buffer.capacity() - length)) > 0) {
        length += n;
      }
    } finally {
      syscalls.close(fd);
    }
    byte[] text = new byte[length];
    buffer.get(0, text, 0, length);
    int at = indexOf(text, VM_SIZE);
    if (at < 0) {
      throw new SyscallException(
          "read /proc/self/status (no VmSize)", Errno.EINVAL, "no VmSize line");
    }
    long kib = 0;
    for (int i = at + VM_SIZE.length; i < length && text[i] != 'k'; i++) {
      if (text[i] >= '0' && text[i] <= '9') {
        kib = kib * 10 + (text[i] - '0');
      }
    }
    return kib * 1024;
  }

  private static int indexOf(byte[] text, byte[] word) {
    outer:
    for (int i = 0; i + word.length <= text.length; i++) {
      for (int j = 0; j < word.length; j++) {
        if (text[i + j] != word[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }

  /**
   * Deserializes and runs the callable, and writes its outcome to {@link #resultFd}. Also run by
   * the warm-up in the worker image itself, on a pipe, so that children find every class loaded.
   */
  void runCallable(byte[] request, int offset, int length) {
    IsolatedCallable<?> callable;
    try {
      callable = (IsolatedCallable<?>) kryo.readClassAndObject(new Input(request, offset, length));
    } catch (Throwable e) {
      writeThrowable(ChildRecords.CALLABLE_UNREADABLE, e);
      return;
    }
    writeRecord(ChildRecords.CALLABLE_STARTING, outOfMemoryReport, 0, 0);
    Object value;
    try {
      value = callable.call();
    } catch (Throwable e) {
      flushStandardStreams();
      writeThrowable(ChildRecords.THREW, e);
      return;
    }
    flushStandardStreams();
    ValueParts parts = new ValueParts();
    try {
      Output output = new Output(parts, 64 * 1024);
      kryo.writeClassAndObject(output, value);
      output.flush();
    } catch (Throwable e) {
      writeThrowable(ChildRecords.RESULT_UNSERIALIZABLE, e);
      return;
    }
    parts.end();
  }

  /**
   * The worker's {@link dev.isolate.internal.boot.ExitHook} handler: in a child, {@code _exit} at
   * once.
   */
  void exitCalled(int status) {
    if (resultFd < 0) {
      return;
    }
    flushStandardStreams();
    byte[] payload = new byte[4];
    Bytes.putInt(payload, 0, status);
    writeRecord(ChildRecords.EXIT_CALLED, payload, 0, 4);
    syscalls.exitImmediately(status);
  }

  /** Points {@link #resultFd} at a pipe for the warm-up; -1 restores "not a child". */
  void useResultPipe(int fd) {
    resultFd = fd;
  }

  private void writeThrowable(byte kind, Throwable thrown) {
    byte[] encoded;
    int length;
    try {
      Output output = new Output(4096, -1);
      ThrowableCodec.write(output, thrown);
      encoded = output.getBuffer();
      length = output.position();
    } catch (Throwable encodingFailed) {
      encoded = outOfMemoryReport;
      length = outOfMemoryReport.length;
    }
    writeRecord(kind, encoded, 0, length);
  }

  private static void flushStandardStreams() {
    try {
      System.out.flush();
      System.err.flush();
    } catch (RuntimeException ignored) {
      // Output is best effort; the result is what matters.
    }
  }

  /**
   * Writes one record; if the pipe fails, nothing else can be reported, so the exit status says it.
   */
  private void writeRecord(byte kind, byte[] payload, int offset, int length) {
    buffer.putByte(0, kind);
    buffer.putInt(1, length);
    int headerLength = ChildRecords.HEADER;
    int sent = 0;
    do {
      int piece = Math.min(length - sent, buffer.capacity() - headerLength);
      buffer.put(headerLength, payload, offset + sent, piece);
      writeFully(headerLength + piece);
      sent += piece;
      headerLength = 0;
    } while (sent < length);
  }

  private void writeFully(int length) {
    int done = 0;
    while (done < length) {
      try {
        done += syscalls.write(resultFd, buffer, done, length - done);
      } catch (SyscallException e) {
        if (e.errno() != Errno.EINTR) {
          syscalls.exitImmediately(ChildRecords.EXIT_RESULT_WRITE_FAILED);
        }
      }
    }
  }

  /**
   * Kryo's output sink: gathers the value in {@link #buffer}, behind room for a record header, and
   * writes a {@link ChildRecords#VALUE_PART} each time the buffer is full; {@link #end} writes the
   * last part and {@link ChildRecords#VALUE_END} together. Few, large writes: each one wakes the
   * worker image, which relays it.
   */
  private final class ValueParts extends OutputStream {
    /** Value bytes in the buffer, after the header room. */
    private int pending;

    @Override
    public void write(int b) {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] bytes, int offset, int length) {
      while (length > 0) {
        int room = buffer.capacity() - 2 * ChildRecords.HEADER - pending;
        if (room == 0) {
          writePart(0);
          continue;
        }
        int piece = Math.min(room, length);
        buffer.put(ChildRecords.HEADER + pending, bytes, offset, piece);
        pending += piece;
        offset += piece;
        length -= piece;
      }
    }

    /** Writes the gathered part, followed by {@code trailer} bytes already in place after it. */
    private void writePart(int trailer) {
      buffer.putByte(0, ChildRecords.VALUE_PART);
      buffer.putInt(1, pending);
      writeFully(ChildRecords.HEADER + pending + trailer);
      pending = 0;
    }

    void end() {
      int at = ChildRecords.HEADER + pending;
      buffer.putByte(at, ChildRecords.VALUE_END);
      buffer.putInt(at + 1, 0);
      writePart(ChildRecords.HEADER);
    }
  }
}
