package dev.isolate;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.io.Output;
import com.esotericsoftware.kryo.util.Pool;
import dev.isolate.MemIsolateException.Facts;
import dev.isolate.internal.host.CallOutcome;
import dev.isolate.internal.host.WorkerLaunch;
import dev.isolate.internal.host.WorkerProcess;
import dev.isolate.internal.host.WorkerStartException;
import dev.isolate.internal.wire.KryoCodec;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Runs callables in children forked from one worker image: a JVM this isolator launches with the
 * caller's own {@code java} and class path and fork-safe options (no JIT, Epsilon GC), and keeps
 * warm. Each call forks a fresh child, so a crash, leak, hang or {@code System.exit} in the callable
 * costs that child only.
 *
 * <pre>{@code
 * try (Isolator isolator = Isolator.builder().timeout(Duration.ofSeconds(10)).build()) {
 *   int answer = isolator.execute(() -> crashyNativeLib.compute(input));
 * }
 * }</pre>
 *
 * <p>Thread-safe: calls from many threads run in concurrent children and never affect each other.
 * The worker image is started by {@link Builder#build()} in the background (so that its start-up
 * overlaps the caller's own), awaited by the first call, and replaced if it dies. It exits when
 * {@link #close()} is called or the caller's JVM ends.
 *
 * <p><b>Warning:</b> Java code in the child runs in the interpreter (a forked JVM cannot compile),
 * about ten times slower than JIT-compiled code; native code runs at full speed.
 */
public final class Isolator implements AutoCloseable {
  private static final long WORKER_HEAP_RESERVE = 128L * 1024 * 1024;
  private static final Duration CLOSE_GRACE = Duration.ofSeconds(5);

  private final Duration timeout;
  private final long maxHeapBytes;
  private final List<String> jvmOptions;
  private final boolean forwardChildOutput;
  private final String workerMainClass;
  private final Duration startTimeout;
  private final ClassLoader loader;
  private final Pool<Kryo> kryos;
  private final AtomicLong nextCallId = new AtomicLong(1);
  private final Object lock = new Object();
  private Path workDirectory;
  private Path agentJar;
  private WorkerProcess worker;
  private WorkerStartException startFailure;
  private volatile boolean closed;

  private Isolator(Builder builder) {
    this.timeout = builder.timeout;
    this.maxHeapBytes = builder.maxHeapBytes;
    this.jvmOptions = List.copyOf(builder.jvmOptions);
    this.forwardChildOutput = builder.forwardChildOutput;
    this.workerMainClass = builder.workerMainClass;
    this.startTimeout = builder.startTimeout;
    ClassLoader context = Thread.currentThread().getContextClassLoader();
    this.loader = context != null ? context : Isolator.class.getClassLoader();
    this.kryos =
        new Pool<>(true, false) {
          @Override
          protected Kryo create() {
            return KryoCodec.newKryo(loader);
          }
        };
    synchronized (lock) {
      launchWorker();
    }
  }

  /** A builder with the defaults: no timeout, a 512 MiB heap for each child, no extra JVM options. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Runs {@code callable} in a new child process and returns its result.
   *
   * @throws NullPointerException if {@code callable} is null
   * @throws IllegalStateException if this isolator is closed
   * @throws CallableDidNotExecuteException if the callable never started (safe to retry)
   * @throws CallableExecutedException if it threw (the cause) or its result could not be returned
   * @throws CallableStatusUnknownException if the child died, was killed or timed out
   */
  public <T> T execute(IsolatedCallable<T> callable) throws MemIsolateException {
    Objects.requireNonNull(callable, "callable");
    checkOpen();
    byte[] request = serialize(callable);
    CallOutcome outcome = readyWorker().call(nextCallId.getAndIncrement(), timeoutNanos(), request).join();
    return resolve(outcome);
  }

  /**
   * Runs {@code callable} in a new child process without blocking the calling thread beyond
   * serializing it and, on first use, waiting for the worker image to start.
   *
   * @return a future completed with the result, or exceptionally with the same
   *     {@link MemIsolateException} {@link #execute} would throw
   * @throws NullPointerException if {@code callable} is null
   * @throws IllegalStateException if this isolator is closed
   */
  public <T> CompletableFuture<T> submit(IsolatedCallable<T> callable) {
    Objects.requireNonNull(callable, "callable");
    checkOpen();
    CompletableFuture<T> result = new CompletableFuture<>();
    try {
      byte[] request = serialize(callable);
      readyWorker()
          .call(nextCallId.getAndIncrement(), timeoutNanos(), request)
          .whenComplete(
              (outcome, unexpected) -> {
                try {
                  result.complete(this.<T>resolve(outcome));
                } catch (MemIsolateException | RuntimeException e) {
                  result.completeExceptionally(e);
                }
              });
    } catch (MemIsolateException e) {
      result.completeExceptionally(e);
    }
    return result;
  }

  /**
   * Stops the worker image and kills its children; calls in flight fail with
   * {@link Reason#WORKER_DIED}. Idempotent.
   */
  @Override
  public void close() {
    WorkerProcess stopping;
    synchronized (lock) {
      if (closed) {
        return;
      }
      closed = true;
      stopping = worker;
      worker = null;
    }
    if (stopping != null) {
      stopping.close(CLOSE_GRACE);
    }
    deleteWorkFiles();
  }

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException("this Isolator is closed; build a new one");
    }
  }

  private long timeoutNanos() {
    return timeout == null ? 0 : timeout.toNanos();
  }

  private byte[] serialize(IsolatedCallable<?> callable) throws CallableDidNotExecuteException {
    Kryo kryo = kryos.obtain();
    try {
      Output output = new Output(4096, -1);
      kryo.writeClassAndObject(output, callable);
      return output.toBytes();
    } catch (RuntimeException | StackOverflowError e) {
      throw (CallableDidNotExecuteException)
          new Facts(
                  Reason.CALLABLE_SERIALIZATION_FAILED,
                  "the callable " + callable.getClass().getName() + " could not be serialized with Kryo (" + e
                      + "); it and every value it captures must be serializable; the callable did not run")
              .cause(e)
              .toException();
    } finally {
      kryos.free(kryo);
    }
  }

  @SuppressWarnings("unchecked")
  private <T> T resolve(CallOutcome outcome) throws MemIsolateException {
    Kryo kryo = kryos.obtain();
    try {
      return (T) new Classification(workDirectory, loader, timeout).resolve(outcome, kryo::readClassAndObject);
    } finally {
      kryos.free(kryo);
    }
  }

  /** The worker image, started and warm; a dead one is replaced. */
  private WorkerProcess readyWorker() throws CallableDidNotExecuteException {
    synchronized (lock) {
      checkOpen();
      if (worker == null || !worker.alive()) {
        launchWorker();
      }
      try {
        if (startFailure != null) {
          throw startFailure;
        }
        worker.awaitReady(startTimeout);
        return worker;
      } catch (WorkerStartException e) {
        if (worker != null) {
          worker.close(CLOSE_GRACE);
          worker = null;
        }
        startFailure = null;
        throw (CallableDidNotExecuteException)
            new Facts(Reason.WORKER_START_FAILED, e.getMessage() + "; the callable did not run").cause(e.getCause()).toException();
      }
    }
  }

  /** Starts a worker image process without waiting for it; a failure is kept for the next call to report. */
  private void launchWorker() {
    startFailure = null;
    try {
      if (workDirectory == null) {
        workDirectory = Files.createTempDirectory("isolate-");
        agentJar = WorkerLaunch.writeAgentJar(workDirectory);
      }
      List<String> command =
          WorkerLaunch.command(agentJar, workDirectory, maxHeapBytes + WORKER_HEAP_RESERVE, jvmOptions, workerMainClass);
      worker = WorkerProcess.start(command, forwardChildOutput);
    } catch (IOException e) {
      worker = null;
      startFailure = new WorkerStartException("could not start the worker image: " + e.getMessage(), e);
    }
  }

  /** Removes the agent jar, and the directory if no crash report is left in it. */
  private void deleteWorkFiles() {
    if (workDirectory == null) {
      return;
    }
    try {
      Files.deleteIfExists(agentJar);
      try (DirectoryStream<Path> left = Files.newDirectoryStream(workDirectory)) {
        if (!left.iterator().hasNext()) {
          Files.delete(workDirectory);
        }
      }
    } catch (IOException e) {
      // A temporary directory left behind is harmless; the caller's work is done.
    }
  }

  /** Where this isolator's children write their {@code hs_err} files; for tests and diagnostics. */
  Path crashDirectory() {
    return workDirectory;
  }

  /** The worker image's pid, if one runs; for tests and diagnostics. */
  long workerPid() {
    synchronized (lock) {
      return worker == null ? -1 : worker.pid();
    }
  }

  /** Settings of an {@link Isolator}; every setter checks its value at once. */
  public static final class Builder {
    private Duration timeout;
    private long maxHeapBytes = 512L * 1024 * 1024;
    private List<String> jvmOptions = List.of();
    private boolean forwardChildOutput = true;
    private String workerMainClass = WorkerLaunch.MAIN_CLASS;
    private Duration startTimeout = Duration.ofSeconds(60);

    private Builder() {}

    /**
     * A wall-clock limit for each call: at the deadline the child is killed and the call fails with
     * {@link Reason#TIMED_OUT}. Default: none.
     *
     * @throws IllegalArgumentException if {@code perCall} is zero or negative
     */
    public Builder timeout(Duration perCall) {
      Objects.requireNonNull(perCall, "perCall");
      if (perCall.isZero() || perCall.isNegative()) {
        throw new IllegalArgumentException("timeout must be positive, got " + perCall);
      }
      this.timeout = perCall;
      return this;
    }

    /**
     * The Java heap each child may use (at least; the worker image adds a reserve for itself). An
     * allocation past it throws {@link OutOfMemoryError} in the callable. Default: 512 MiB.
     *
     * @throws IllegalArgumentException below 16 MiB, or so large that the worker's heap would overflow
     */
    public Builder maxHeapBytes(long bytes) {
      if (bytes < 16L * 1024 * 1024) {
        throw new IllegalArgumentException("maxHeapBytes must be at least 16 MiB (16777216), got " + bytes);
      }
      if (bytes > Long.MAX_VALUE / 2 - WORKER_HEAP_RESERVE) {
        throw new IllegalArgumentException("maxHeapBytes is too large: " + bytes);
      }
      this.maxHeapBytes = bytes;
      return this;
    }

    /**
     * JVM options appended to the worker image's own (for example {@code -Djava.library.path=...} or
     * {@code --add-opens ...}). Options that turn the JIT or a collecting GC back on break fork safety.
     */
    public Builder jvmOptions(List<String> extra) {
      Objects.requireNonNull(extra, "extra");
      for (String option : extra) {
        Objects.requireNonNull(option, "jvmOptions must not contain null");
      }
      this.jvmOptions = List.copyOf(extra);
      return this;
    }

    /**
     * Whether each child's standard output and error are copied to the caller's {@code System.out}
     * and {@code System.err}, line by line, prefixed with the child's pid. Default: true. The last
     * 64 KiB of each are kept in {@link CrashReport} either way.
     */
    public Builder forwardChildOutput(boolean forward) {
      this.forwardChildOutput = forward;
      return this;
    }

    /** For tests: a worker main class that wraps the real system calls to inject failures. */
    Builder workerMainClass(String mainClass) {
      this.workerMainClass = Objects.requireNonNull(mainClass, "mainClass");
      return this;
    }

    /** How long the first call waits for the worker image to start. Default: 60 seconds. */
    Builder startTimeout(Duration value) {
      this.startTimeout = Objects.requireNonNull(value, "value");
      return this;
    }

    /** An isolator whose worker image starts now, in the background. */
    public Isolator build() {
      return new Isolator(this);
    }
  }
}
