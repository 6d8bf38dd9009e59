package dev.isolate;

import dev.isolate.internal.wire.CallLimits;
import java.io.ObjectInputFilter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * Runs callables in children forked from one worker image: a JVM this isolator launches with the
 * caller's own {@code java} and class path and fork-safe options (no JIT, Epsilon GC), and keeps
 * warm. Each call runs in a fresh child of its own, so a crash, leak, hang or {@code System.exit}
 * in the callable costs that child only.
 *
 * <pre>{@code
 * try (Isolator isolator = Isolator.builder().timeout(Duration.ofSeconds(10)).build()) {
 *   int answer = isolator.execute(() -> crashyNativeLib.compute(input));
 * }
 * }</pre>
 *
 * <p>Thread-safe: calls from many threads run in concurrent children and never affect each other.
 * At most {@link Builder#maxConcurrentCalls} children run at once; further calls wait their turn in
 * a queue of {@link Builder#maxQueuedCalls}, past which a call is refused with {@link
 * Reason#QUEUE_FULL}. The worker image keeps {@link Builder#preforkedChildren} children forked
 * ahead and waiting, so that a call does not wait for a fork. The worker image is started by {@link
 * Builder#build()} in the background (so that its start-up overlaps the caller's own), awaited by
 * the first call, and replaced if it dies. Its heap is never collected, so before it fills up a
 * successor is started in the background and takes over between calls; calls in flight finish on
 * the old one. It exits when {@link #close()} is called or the caller's JVM ends (it notices its
 * standard input closing).
 *
 * <p><b>Warning:</b> Java code in the child runs in the interpreter (a forked JVM cannot compile),
 * about ten times slower than JIT-compiled code; native code runs at full speed.
 */
public final class Isolator implements AutoCloseable {
  private final IsolatorSettings settings;
  private final Engine engine;

  private Isolator(IsolatorSettings settings) {
    this.settings = settings;
    this.engine =
        InPlaceEngine.applies()
            ? new InPlaceEngine(settings.sandbox())
            : new ForkingEngine(settings);
  }

  /**
   * A builder with the defaults: no timeout, a 512 MiB Java heap for each child, no native memory
   * or CPU limit, no extra JVM options, child output forwarded, the last 10 crash reports kept, 2
   * pre-forked children, as many concurrent calls as processors (at least 2), 10 000 queued calls.
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Runs {@code callable} in a child process of its own and returns its result. When {@link
   * Builder#maxConcurrentCalls} calls are running, the calling thread waits its turn.
   *
   * @throws NullPointerException if {@code callable} is null
   * @throws IllegalStateException if this isolator is closed
   * @throws CallableDidNotExecuteException if the callable never started (safe to retry), e.g.
   *     {@link Reason#QUEUE_FULL} when {@link Builder#maxQueuedCalls} calls are already waiting
   * @throws CallableExecutedException if it threw (the cause) or its result could not be returned
   * @throws CallableStatusUnknownException if the child died, was killed or timed out, or the
   *     calling thread was interrupted ({@link Reason#CANCELLED}: the child is killed, and the
   *     thread's interrupt status is set again)
   */
  public <T> T execute(IsolatedCallable<T> callable) throws MemIsolateException {
    return execute(callable, settings.limits(settings.timeout()));
  }

  /**
   * Runs {@code callable} like {@link #execute(IsolatedCallable)}, with {@code timeout} instead of
   * the isolator's own for this call.
   *
   * @throws IllegalArgumentException if {@code timeout} is zero, negative or too large
   * @throws CallableStatusUnknownException with {@link Reason#TIMED_OUT} if the call ran past it
   */
  public <T> T execute(IsolatedCallable<T> callable, Duration timeout) throws MemIsolateException {
    return execute(callable, settings.limits(IsolatorSettings.checkedTimeout(timeout)));
  }

  @SuppressWarnings("unchecked")
  private <T> T execute(IsolatedCallable<T> callable, CallLimits limits)
      throws MemIsolateException {
    return (T) engine.execute(callable, limits);
  }

  /**
   * Runs {@code callable} in a child process of its own without blocking the calling thread beyond
   * serializing it: a call that waits for a slot ({@link Builder#maxConcurrentCalls}) or for the
   * worker image to start is sent later by the isolator's own thread.
   *
   * <p>{@code cancel} on the future (with or without {@code mayInterruptIfRunning}) kills the
   * child: the future is then cancelled, as {@link CompletableFuture#cancel} says, not failed.
   *
   * @return a future completed with the result, or exceptionally with the same {@link
   *     MemIsolateException} {@link #execute} would throw
   * @throws NullPointerException if {@code callable} is null
   * @throws IllegalStateException if this isolator is closed
   */
  public <T> CompletableFuture<T> submit(IsolatedCallable<T> callable) {
    return submit(callable, settings.limits(settings.timeout()));
  }

  /**
   * Runs {@code callable} like {@link #submit(IsolatedCallable)}, with {@code timeout} instead of
   * the isolator's own for this call.
   *
   * @throws IllegalArgumentException if {@code timeout} is zero, negative or too large
   */
  public <T> CompletableFuture<T> submit(IsolatedCallable<T> callable, Duration timeout) {
    return submit(callable, settings.limits(IsolatorSettings.checkedTimeout(timeout)));
  }

  private <T> CompletableFuture<T> submit(IsolatedCallable<T> callable, CallLimits limits) {
    return engine.submit(callable, limits);
  }

  /**
   * Stops the worker image and kills its children; calls in flight fail with {@link
   * Reason#WORKER_DIED}. Idempotent.
   */
  @Override
  public void close() {
    engine.close();
  }

  // For tests and diagnostics; an isolator that runs in place has none of these.

  private ForkingEngine forking() {
    return (ForkingEngine) engine;
  }

  Path crashDirectory() {
    return forking().crashDirectory();
  }

  long workerPid() {
    return forking().workers().workerPid();
  }

  long workerHeapUsedBytes() {
    return forking().workers().workerHeapUsedBytes();
  }

  int workersLaunched() {
    return forking().workers().launched();
  }

  /**
   * Settings of an {@link Isolator}. Every setter checks its value at once and throws {@link
   * IllegalArgumentException} naming the setting; {@link #build()} checks how they combine.
   */
  public static final class Builder {
    // Package-private: IsolatorSettings.from reads them; defaults and their reasons are there.
    Duration timeout;
    long maxHeapBytes = IsolatorSettings.DEFAULT_HEAP_BYTES;
    long maxNativeMemoryBytes;
    long cpuSeconds;
    List<String> jvmOptions = List.of();
    boolean inheritJvmOptions = true;
    boolean learnClasses = true;
    List<String> preloadClasses = List.of();
    Sandbox sandbox = Sandbox.none();
    List<Path> classPath = List.of();
    boolean forwardChildOutput = true;
    ObjectInputFilter resultFilter;
    long maxResultBytes = IsolatorSettings.DEFAULT_MAX_RESULT_BYTES;
    long maxOutputBytes = IsolatorSettings.DEFAULT_MAX_OUTPUT_BYTES;
    int keepCrashReports = 10;
    Path crashDirectory;
    int preforkedChildren = 2;
    int maxConcurrentCalls = Math.max(2, Runtime.getRuntime().availableProcessors());
    int maxQueuedCalls = 10_000;
    CallListener listener;
    final TestSeams seams = new TestSeams();

    private Builder() {}

    /**
     * A wall-clock limit for each call: at the deadline the child is killed with {@code SIGKILL},
     * and the call fails with {@link Reason#TIMED_OUT}, whatever the child was doing (Java, native
     * code, a blocking system call). Default: none. A call can set its own with {@link
     * Isolator#execute(IsolatedCallable, Duration)}.
     *
     * @throws IllegalArgumentException if {@code perCall} is zero, negative, or longer than 292
     *     years
     */
    public Builder timeout(Duration perCall) {
      this.timeout = IsolatorSettings.checkedTimeout(perCall);
      return this;
    }

    /**
     * The Java heap each child may use: an allocation past it throws {@link OutOfMemoryError} in
     * the callable. The worker image's {@code -Xmx} is this plus a reserve of its own. Default: 512
     * MiB.
     *
     * @throws IllegalArgumentException below 16 MiB, or so large that the worker's heap would
     *     overflow
     */
    public Builder maxHeapBytes(long bytes) {
      this.maxHeapBytes = IsolatorSettings.checkedHeap(bytes);
      return this;
    }

    /**
     * The native memory each child may map on top of what it inherits from the worker image:
     * malloc, mmap, thread stacks and direct buffers. Set as the child's {@code RLIMIT_AS} (its
     * address space at fork plus {@code bytes}), which leaves the Java heap alone: HotSpot reserves
     * that at start. Past the limit, allocations fail ({@code malloc} returns {@code NULL}); a
     * child that dies of it fails with {@link Reason#NATIVE_MEMORY_LIMIT_EXCEEDED} when HotSpot
     * reports the failed allocation, and with a message that names the limit otherwise. Each new
     * thread that mallocs reserves a 64 MiB glibc arena of address space. Default: no limit.
     *
     * @throws IllegalArgumentException below 1 MiB
     */
    public Builder maxNativeMemoryBytes(long bytes) {
      this.maxNativeMemoryBytes = IsolatorSettings.checkedNativeMemory(bytes);
      return this;
    }

    /**
     * The CPU time (user plus system) each child may use, set as its {@code RLIMIT_CPU}: whole
     * seconds, rounded up. Past it the kernel sends {@code SIGXCPU}, and {@code SIGKILL} a second
     * later; the call fails with {@link Reason#CPU_TIME_LIMIT_EXCEEDED}. Unlike {@link #timeout}, a
     * child that sleeps or waits uses none. Default: no limit.
     *
     * @throws IllegalArgumentException if {@code perCall} is zero, negative, or over 68 years
     */
    public Builder maxCpuTime(Duration perCall) {
      this.cpuSeconds = IsolatorSettings.checkedCpuSeconds(perCall);
      return this;
    }

    /**
     * JVM options appended to the worker image's own (for example {@code -Djava.library.path=...}
     * or {@code --add-opens ...}).
     *
     * @throws IllegalArgumentException for an option that turns a JIT compiler or a collecting GC
     *     back on ({@code -Xmixed}, {@code -XX:+UseG1GC}, ...): forked children of such a JVM hang
     */
    public Builder jvmOptions(List<String> extra) {
      this.jvmOptions = IsolatorSettings.checkedJvmOptions(extra);
      return this;
    }

    /**
     * Whether the worker image takes over the caller's JVM settings, so that code runs in a child
     * as in the caller: its system properties ({@code java.library.path} among them when it was
     * given), and the options that change what code may do ({@code --add-opens}, {@code
     * --add-exports}, {@code --add-reads}, {@code --enable-native-access}, {@code
     * --sun-misc-unsafe-memory-access}, {@code --enable-preview}, {@code -ea} and the other
     * assertion switches, {@code -Xss}, {@code -XX:MaxDirectMemorySize}). Never carried, as they
     * would break fork safety or are the worker image's own: agents, JIT and GC options, heap
     * sizes, JFR, logging, the class and module paths. {@link #jvmOptions} come after, and win.
     * Default: true.
     */
    public Builder inheritJvmOptions(boolean inherit) {
      this.inheritJvmOptions = inherit;
      return this;
    }

    /**
     * Whether the worker image learns from its children: the classes a child loaded and initialized
     * for a callable are loaded and initialized once in the worker image, before it forks the next
     * children, so that they do not pay for them again (a logging framework's start-up, a native
     * binding's generation, a test library's classes). A static initializer run so runs once, in
     * the worker image: its static state is then shared by every child, as in a zygote, rather than
     * made fresh in each. A class whose initializer breaks fork safety there (starts a thread,
     * opens a file for writing, registers a shutdown hook) is never initialized ahead again, and is
     * reported. Default: true.
     */
    public Builder learnClasses(boolean learn) {
      this.learnClasses = learn;
      return this;
    }

    /**
     * Classes to load and initialize in the worker image before its first child, by binary name,
     * with the same checks as learned ones: what every call will need, known in advance. Default:
     * none.
     */
    public Builder preloadClasses(List<String> classNames) {
      this.preloadClasses = List.copyOf(Objects.requireNonNull(classNames, "classNames"));
      return this;
    }

    /**
     * What every child may not do (the network, writing files, starting programs), enforced by the
     * kernel in each child before it reads its callable; see {@link Sandbox}. Default: {@link
     * Sandbox#none()}.
     */
    public Builder sandbox(Sandbox sandbox) {
      this.sandbox = Objects.requireNonNull(sandbox, "sandbox");
      return this;
    }

    /**
     * Class path entries the worker image adds to the ones it learns from the caller, for classes
     * of a class loader it cannot read. It reads {@code java.class.path}, the module path, and the
     * URLs of every {@link java.net.URLClassLoader} between the system class loader and this
     * isolator's own and the thread's context class loader, copying a URL it cannot open as a file
     * (Spring Boot's nested jars) into a plain jar first; a callable of a class loaded later, by a
     * {@code URLClassLoader} (a plugin), is found through that loader when the call is sent. Other
     * loaders' classes need their jars or directories here. Default: none.
     */
    public Builder classPath(List<Path> entries) {
      this.classPath = List.copyOf(Objects.requireNonNull(entries, "entries"));
      return this;
    }

    /**
     * Whether each child's standard output and error are copied to the caller's {@code System.out}
     * and {@code System.err}, line by line (a longer line in pieces of 64 KiB), each line prefixed
     * with {@code [isolate child <pid>]}. Default: true. The last 64 KiB of each are kept on every
     * {@link MemIsolateException} either way.
     */
    public Builder forwardChildOutput(boolean forward) {
      this.forwardChildOutput = forward;
      return this;
    }

    /**
     * Which classes a child's value (and anything in it) may be decoded into in the caller: the
     * filter sees each class before any instance of it is made and before it is initialized, and
     * its limits (depth, array length, references, bytes) apply. {@code ALLOWED} and {@code
     * REJECTED} are final; {@code UNDECIDED} leaves the class to the default, which allows the
     * JDK's value and collection types and the classes this isolator has sent in callables. A class
     * rejected fails the call with {@link Reason#DESERIALIZATION_FAILED} naming it and the pattern
     * that would allow it, and no code of it runs here; a thrown exception of a rejected class
     * comes back as a {@link RemoteThrowable}. Default: the {@code isolate.resultFilter} system
     * property as a pattern ({@link java.io.ObjectInputFilter.Config#createFilter}), else the
     * JVM-wide serial filter, else the default alone.
     */
    public Builder resultFilter(ObjectInputFilter filter) {
      this.resultFilter = Objects.requireNonNull(filter, "filter");
      return this;
    }

    /**
     * The largest value a child may send back: past it the child is killed and the call fails with
     * {@link Reason#RESULT_TOO_LARGE}. The caller holds at most about this much per call in flight,
     * whatever a child writes. Default: 128 MiB.
     *
     * @throws IllegalArgumentException below 1 KiB or above 1 GiB
     */
    public Builder maxResultBytes(long bytes) {
      this.maxResultBytes = IsolatorSettings.checkedBound("maxResultBytes", bytes);
      return this;
    }

    /**
     * How much of each of a child's standard output and standard error, per call, is kept and
     * forwarded; past it the rest is dropped, and one line says how much. Default: 16 MiB.
     *
     * @throws IllegalArgumentException below 1 KiB or above 1 GiB
     */
    public Builder maxOutputBytes(long bytes) {
      this.maxOutputBytes = IsolatorSettings.checkedBound("maxOutputBytes", bytes);
      return this;
    }

    /**
     * How many {@code hs_err} files of crashed children to keep in the crash directory; older ones
     * are deleted as new ones appear. 0 deletes each right after it is read into the {@link
     * CrashReport} (which then has no {@link CrashReport#hsErrFile()}). Default: 10.
     *
     * @throws IllegalArgumentException if {@code count} is negative
     */
    public Builder keepCrashReports(int count) {
      this.keepCrashReports =
          IsolatorSettings.checkedCount("keepCrashReports", count, 0, Integer.MAX_VALUE);
      return this;
    }

    /**
     * Where children write their {@code hs_err} files; created if missing. Isolators that share one
     * directory share its {@link #keepCrashReports} budget, which bounds a whole CI run. Default: a
     * temporary directory of this isolator, removed by {@link Isolator#close()} when no report is
     * kept in it.
     */
    public Builder crashDirectory(Path directory) {
      this.crashDirectory = Objects.requireNonNull(directory, "directory");
      return this;
    }

    /**
     * How many children the worker image keeps forked ahead and waiting for a call (the pre-forked
     * pool): a call then skips the fork and the child's set-up, which are most of its cost. The
     * pool refills once the worker image has been idle for a millisecond, so that a fork never
     * delays a caller that is receiving its value; calls that come back to back find it empty and
     * fork their own children. A spare child costs a process while it waits (here, 392 KiB of
     * private memory). Calls whose callable serializes to more than 64 KiB get a child of their
     * own. 0 turns the pool off: each call forks its child. Default: 2.
     *
     * @throws IllegalArgumentException if {@code count} is negative or above 64
     */
    public Builder preforkedChildren(int count) {
      this.preforkedChildren = IsolatorSettings.checkedCount("preforkedChildren", count, 0, 64);
      return this;
    }

    /**
     * How many calls may run at once, each in its own child; further calls wait in a queue, in the
     * order they came (their timeout starts when they are sent). Default: the number of processors,
     * at least 2.
     *
     * @throws IllegalArgumentException if {@code count} is below 1
     */
    public Builder maxConcurrentCalls(int count) {
      this.maxConcurrentCalls =
          IsolatorSettings.checkedCount("maxConcurrentCalls", count, 1, Integer.MAX_VALUE);
      return this;
    }

    /**
     * How many calls may wait for a slot when {@link #maxConcurrentCalls} are running; one more
     * fails at once with {@link Reason#QUEUE_FULL} (the callable did not run), rather than holding
     * more requests in memory. 0 refuses every call that cannot run at once. Default: 10 000.
     *
     * @throws IllegalArgumentException if {@code count} is negative
     */
    public Builder maxQueuedCalls(int count) {
      this.maxQueuedCalls =
          IsolatorSettings.checkedCount("maxQueuedCalls", count, 0, Integer.MAX_VALUE);
      return this;
    }

    /**
     * Told about every call once it has ended, with its outcome, the child's pid and signal, and
     * the child's CPU time and peak memory from {@code wait4}: for metrics. See {@link
     * CallListener} for the thread it runs on. Every call is also a JFR event, {@code
     * dev.isolate.IsolatedCall}, with the same facts, whether or not a listener is set. Default:
     * none.
     */
    public Builder listener(CallListener listener) {
      this.listener = Objects.requireNonNull(listener, "listener");
      return this;
    }

    /** For tests: adjusts the seams that only tests set (see {@link TestSeams}). */
    Builder seams(java.util.function.Consumer<TestSeams> adjust) {
      adjust.accept(seams);
      return this;
    }

    /**
     * An isolator whose worker image starts now, in the background.
     *
     * @throws IllegalArgumentException if {@link #jvmOptions} set a heap ({@code -Xmx}, {@code
     *     -XX:MaxHeapSize}) smaller than {@link #maxHeapBytes} plus the worker's reserve, or the
     *     crash directory cannot be created
     */
    public Isolator build() {
      return new Isolator(IsolatorSettings.from(this));
    }
  }
}
