package dev.isolate;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.io.Output;
import com.esotericsoftware.kryo.util.Pool;
import dev.isolate.MemIsolateException.Facts;
import dev.isolate.internal.host.CallLimits;
import dev.isolate.internal.host.CallOutcome;
import dev.isolate.internal.host.WorkerLaunch;
import dev.isolate.internal.host.WorkerProcess;
import dev.isolate.internal.host.WorkerStartException;
import dev.isolate.internal.jfr.IsolatedCallEvent;
import dev.isolate.internal.wire.KryoCodec;
import dev.isolate.posix.Signals;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

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
  /** Heap the worker image keeps for itself on top of the children's budget. */
  static final long WORKER_HEAP_RESERVE = 128L * 1024 * 1024;

  private static final Duration CLOSE_GRACE = Duration.ofSeconds(5);

  /**
   * Start failures in a row after which new attempts are spaced out, rather than made on every
   * call.
   */
  private static final int START_FAILURES_BEFORE_BACKOFF = 3;

  private static final Duration MAX_START_BACKOFF = Duration.ofMinutes(1);

  private final Duration timeout;
  private final long maxHeapBytes;
  private final long maxNativeMemoryBytes;
  private final long cpuSeconds;
  private final List<String> jvmOptions;
  private final boolean forwardChildOutput;
  private final String workerMainClass;
  private final Duration startTimeout;
  private final long recycleAtHeapBytes;
  private final long recycleAfterCalls;
  private final int preforkedChildren;
  private final int maxConcurrentCalls;
  private final int maxQueuedCalls;
  private final CallListener listener;
  private final ClassLoader loader;
  private final Pool<Kryo> kryos;
  private final AtomicLong nextCallId = new AtomicLong(1);
  private final AtomicInteger workersLaunched = new AtomicInteger();
  private final Object lock = new Object();
  private final Path workDirectory;
  private final CrashFiles crashFiles;
  private Path agentJar;

  /** Guards {@link #running} and {@link #queue}; never held while waiting for anything. */
  private final Object slots = new Object();

  /**
   * Calls that hold one of the {@link #maxConcurrentCalls} slots: being sent, or running in a
   * child. A child that has delivered its value and is exiting no longer holds one.
   */
  private int running;

  private final ArrayDeque<Call> queue = new ArrayDeque<>();

  /**
   * Sends queued calls as slots free up, retries, and calls submitted before the worker image is
   * ready: so that neither the caller's threads nor the thread reading the worker's frames wait.
   */
  private final ThreadPoolExecutor dispatcher;

  /**
   * The worker image that takes new calls. Written under lock, like everything below; read without
   * it only as a hint.
   */
  private volatile WorkerProcess worker;

  /** Started in the background to take over from {@link #worker} before its heap runs out. */
  private WorkerProcess successor;

  private long successorLaunchedAt;

  /** Replaced worker images finishing their calls in flight; stopped by close(). */
  private final List<WorkerProcess> retired = new ArrayList<>();

  private WorkerStartException startFailure;
  private int startFailuresInARow;
  private String lastStartFailure = "";
  private long noStartBefore;
  private volatile boolean closed;

  private Isolator(Builder builder, Path workDirectory, Path crashDirectory) {
    this.timeout = builder.timeout;
    this.maxHeapBytes = builder.maxHeapBytes;
    this.maxNativeMemoryBytes = builder.maxNativeMemoryBytes;
    this.cpuSeconds = builder.cpuSeconds;
    this.jvmOptions = List.copyOf(builder.jvmOptions);
    this.forwardChildOutput = builder.forwardChildOutput;
    this.workerMainClass = builder.workerMainClass;
    this.startTimeout = builder.startTimeout;
    this.recycleAtHeapBytes = builder.recycleAtHeapBytes;
    this.recycleAfterCalls = builder.recycleAfterCalls;
    this.preforkedChildren = builder.preforkedChildren;
    this.maxConcurrentCalls = builder.maxConcurrentCalls;
    this.maxQueuedCalls = builder.maxQueuedCalls;
    this.listener = builder.listener;
    this.dispatcher =
        new ThreadPoolExecutor(
            1,
            1,
            1,
            TimeUnit.SECONDS,
            new LinkedBlockingQueue<>(),
            runnable -> {
              Thread thread = new Thread(runnable, "isolate-dispatcher");
              thread.setDaemon(true);
              return thread;
            });
    dispatcher.allowCoreThreadTimeOut(true);
    this.workDirectory = workDirectory;
    this.crashFiles = new CrashFiles(crashDirectory, builder.keepCrashReports);
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
      try {
        worker = launchWorker();
      } catch (WorkerStartException e) {
        startFailure = e;
      }
    }
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
    return execute(callable, limits(timeout));
  }

  /**
   * Runs {@code callable} like {@link #execute(IsolatedCallable)}, with {@code timeout} instead of
   * the isolator's own for this call.
   *
   * @throws IllegalArgumentException if {@code timeout} is zero, negative or too large
   * @throws CallableStatusUnknownException with {@link Reason#TIMED_OUT} if the call ran past it
   */
  public <T> T execute(IsolatedCallable<T> callable, Duration timeout) throws MemIsolateException {
    return execute(callable, limits(checkedTimeout(timeout)));
  }

  private <T> T execute(IsolatedCallable<T> callable, CallLimits limits)
      throws MemIsolateException {
    Objects.requireNonNull(callable, "callable");
    checkOpen();
    Call call = new Call(limits);
    call.request = serialize(callable, call);
    admit(call, false, true);
    CallOutcome outcome;
    try {
      outcome = call.result.get();
    } catch (InterruptedException e) {
      call.cancel();
      Thread.currentThread().interrupt();
      MemIsolateException cancelled =
          new Facts(
                  Reason.CANCELLED,
                  "the calling thread was interrupted while the call ran or waited its turn; its"
                      + " child, if it had one, was killed, and the callable may have done part of"
                      + " its work")
              .toException();
      call.resolved(cancelled, null);
      throw cancelled;
    } catch (ExecutionException e) {
      MemIsolateException failure = rethrown(e.getCause());
      call.resolved(failure, null);
      throw failure;
    }
    return resolve(outcome, call);
  }

  /**
   * A failure that ended a call before it had an outcome: the isolator's own exception, unwrapped.
   */
  private static MemIsolateException rethrown(Throwable failure) {
    if (failure instanceof MemIsolateException isolation) {
      return isolation;
    }
    if (failure instanceof RuntimeException unchecked) {
      throw unchecked;
    }
    throw new IllegalStateException("unexpected failure of a call", failure);
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
    return submit(callable, limits(timeout));
  }

  /**
   * Runs {@code callable} like {@link #submit(IsolatedCallable)}, with {@code timeout} instead of
   * the isolator's own for this call.
   *
   * @throws IllegalArgumentException if {@code timeout} is zero, negative or too large
   */
  public <T> CompletableFuture<T> submit(IsolatedCallable<T> callable, Duration timeout) {
    return submit(callable, limits(checkedTimeout(timeout)));
  }

  private <T> CompletableFuture<T> submit(IsolatedCallable<T> callable, CallLimits limits) {
    Objects.requireNonNull(callable, "callable");
    checkOpen();
    CompletableFuture<T> result = new CompletableFuture<>();
    Call call = new Call(limits);
    try {
      call.request = serialize(callable, call);
    } catch (MemIsolateException e) {
      result.completeExceptionally(e);
      return result;
    }
    result.whenComplete(
        (value, failure) -> {
          if (result.isCancelled()) {
            call.cancel();
          }
        });
    call.result.whenComplete(
        (outcome, failure) -> {
          if (failure != null) {
            Throwable cause = failure instanceof CompletionException ? failure.getCause() : failure;
            call.resolvedWithout(cause);
            result.completeExceptionally(cause);
            return;
          }
          try {
            result.complete(this.<T>resolve(outcome, call));
          } catch (MemIsolateException | RuntimeException e) {
            result.completeExceptionally(e);
          }
        });
    // Sent from the caller's thread only when that cannot wait for a worker image to start.
    WorkerProcess serving = worker;
    admit(call, false, serving != null && serving.ready());
    return result;
  }

  /**
   * Stops the worker image and kills its children; calls in flight fail with {@link
   * Reason#WORKER_DIED}. Idempotent.
   */
  @Override
  public void close() {
    List<WorkerProcess> stopping = new ArrayList<>();
    List<Call> waiting;
    synchronized (slots) {
      waiting = new ArrayList<>(queue);
      queue.clear();
    }
    synchronized (lock) {
      if (closed) {
        return;
      }
      closed = true;
      stopping.add(worker);
      stopping.add(successor);
      stopping.addAll(retired);
      worker = null;
      successor = null;
      retired.clear();
    }
    for (Call call : waiting) {
      call.result.completeExceptionally(
          new Facts(
                  Reason.WORKER_UNAVAILABLE,
                  "the isolator was closed while the call waited its turn; the callable did not"
                      + " run")
              .toException());
    }
    for (WorkerProcess process : stopping) {
      if (process != null) {
        process.close(CLOSE_GRACE);
      }
    }
    dispatcher.shutdown();
    crashFiles.prune();
    deleteWorkFiles();
  }

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException("this Isolator is closed; build a new one");
    }
  }

  private CallLimits limits(Duration callTimeout) {
    return new CallLimits(
        callTimeout == null ? 0 : callTimeout.toNanos(), maxNativeMemoryBytes, cpuSeconds);
  }

  /**
   * The callable's bytes, and the shapes a child needs to read them, for the worker image to
   * prepare.
   */
  private record Request(byte[] bytes, Set<String> shapes) {}

  /**
   * The callable's request; if it cannot be serialized, {@code call} ends there and is observed as
   * such.
   */
  private Request serialize(IsolatedCallable<?> callable, Call call)
      throws CallableDidNotExecuteException {
    Kryo kryo = kryos.obtain();
    Set<String> shapes = new LinkedHashSet<>();
    KryoCodec.recordShapes(kryo, shapes);
    try {
      Output output = new Output(4096, -1);
      kryo.writeClassAndObject(output, callable);
      return new Request(output.toBytes(), shapes);
    } catch (RuntimeException | StackOverflowError e) {
      CallableDidNotExecuteException failure =
          (CallableDidNotExecuteException)
              new Facts(
                      Reason.CALLABLE_SERIALIZATION_FAILED,
                      "the callable "
                          + callable.getClass().getName()
                          + " could not be serialized with Kryo ("
                          + e
                          + "); it and every value it captures must be serializable; the callable"
                          + " did not run")
                  .cause(e)
                  .toException();
      call.resolved(failure, null);
      throw failure;
    } finally {
      KryoCodec.recordShapes(kryo, null);
      kryos.free(kryo);
    }
  }

  @SuppressWarnings("unchecked")
  private <T> T resolve(CallOutcome outcome, Call call) throws MemIsolateException {
    Kryo kryo = kryos.obtain();
    try {
      T value =
          (T)
              new Classification(crashFiles, loader, call.limits)
                  .resolve(outcome, kryo::readClassAndObject);
      call.resolved(null, outcome);
      return value;
    } catch (MemIsolateException e) {
      call.resolved(e, outcome);
      throw e;
    } finally {
      kryos.free(kryo);
    }
  }

  /**
   * Lets {@code call} take a slot and be sent, or queues it. {@code front}: a retry, which goes
   * before the calls that wait. {@code onThisThread}: send from the calling thread (which may then
   * wait for the worker image to start); otherwise from the dispatcher.
   */
  private void admit(Call call, boolean front, boolean onThisThread) {
    synchronized (slots) {
      if (running < maxConcurrentCalls && queue.isEmpty()) {
        running++;
      } else if (!front && queue.size() >= maxQueuedCalls) {
        call.result.completeExceptionally(
            new Facts(
                    Reason.QUEUE_FULL,
                    maxConcurrentCalls
                        + " calls are running (maxConcurrentCalls) and "
                        + queue.size()
                        + " wait their turn (maxQueuedCalls); the callable did not run: retry"
                        + " later, or raise the limits")
                .toException());
        return;
      } else {
        call.queued = true;
        if (front) {
          queue.addFirst(call);
        } else {
          queue.addLast(call);
        }
        return;
      }
    }
    if (onThisThread) {
      dispatch(call);
    } else {
      dispatchLater(call);
    }
  }

  private void dispatchLater(Call call) {
    try {
      dispatcher.execute(() -> dispatch(call));
    } catch (RejectedExecutionException e) {
      // Closed meanwhile.
      release();
      call.result.completeExceptionally(
          new Facts(
                  Reason.WORKER_UNAVAILABLE,
                  "the isolator was closed before the call was sent; the callable did not run")
              .toException());
    }
  }

  /**
   * A call no longer occupies a child (its value arrived, its child is gone, or it never had one):
   * the slot goes to the next call waiting.
   */
  private void release() {
    Call next;
    synchronized (slots) {
      next = queue.pollFirst();
      if (next == null) {
        running--;
        return;
      }
      next.queued = false;
    }
    // Never on this thread: it may be the one reading the worker image's frames.
    dispatchLater(next);
  }

  /**
   * Sends a call that holds a slot to the serving worker image; one that retired passes it to its
   * successor.
   */
  private void dispatch(Call call) {
    if (call.cancelled) {
      release();
      call.result.cancel(false);
      return;
    }
    long callId = nextCallId.getAndIncrement();
    WorkerProcess target;
    CompletableFuture<CallOutcome> attempt;
    try {
      do {
        target = readyWorker();
        attempt =
            target.call(
                callId,
                call.limits,
                call.request.bytes(),
                call.request.shapes(),
                this::release,
                call::childEnded);
      } while (attempt == null);
    } catch (CallableDidNotExecuteException | IllegalStateException e) {
      release();
      if (call.firstAttempt != null) {
        call.result.complete(call.firstAttempt);
      } else {
        call.result.completeExceptionally(e);
      }
      return;
    }
    call.sentTo(target, callId);
    attempt.whenComplete((outcome, never) -> attemptEnded(call, outcome));
  }

  /**
   * If the call's child was killed before it reached the callable (stuck in the library's own code
   * after the fork), sends it once more: the callable did not run, and a second fork is almost
   * never caught at the same unlucky instant.
   */
  private void attemptEnded(Call call, CallOutcome outcome) {
    boolean stuckInSetup =
        outcome instanceof CallOutcome.ChildExited exited && exited.killedInSetup();
    if (stuckInSetup && call.firstAttempt == null && !closed && !call.cancelled) {
      call.firstAttempt = outcome;
      admit(call, true, false);
    } else {
      call.result.complete(outcome);
    }
  }

  /**
   * A call: its request, its outcome, where it went (so that it can be cancelled), and what is
   * observed of it: once it is resolved and its child is gone, a {@link CallRecord} for the
   * listener and the JFR event.
   */
  private final class Call {
    final CallLimits limits;

    /** Set once, right after the call is made, before it is admitted. */
    Request request;

    /**
     * Completes with the outcome, or exceptionally with a MemIsolateException if it could not be
     * sent.
     */
    final CompletableFuture<CallOutcome> result = new CompletableFuture<>();

    /**
     * The outcome of an attempt whose child got stuck before the callable; the call was sent again.
     */
    volatile CallOutcome firstAttempt;

    /** Guarded by {@link Isolator#slots}. */
    boolean queued;

    private WorkerProcess worker;
    private long callId;
    volatile boolean cancelled;
    private final long startedAt = System.nanoTime();
    private final IsolatedCallEvent event = new IsolatedCallEvent();

    /** Guarded by this, like the fields below. */
    private boolean sent;

    private CallOutcome childEnd;
    private boolean resolved;
    private MemIsolateException failure;
    private CallOutcome resolvedFrom;
    private long resolvedAt;
    private boolean observed;

    Call(CallLimits limits) {
      this.limits = limits;
      event.begin();
    }

    synchronized void sentTo(WorkerProcess target, long id) {
      worker = target;
      callId = id;
      sent = true;
      if (cancelled) {
        target.cancel(id);
      }
    }

    void cancel() {
      cancelled = true;
      boolean dequeued;
      synchronized (slots) {
        dequeued = queued && queue.remove(this);
        queued = false;
      }
      if (dequeued) {
        result.cancel(false);
        return;
      }
      synchronized (this) {
        if (worker != null) {
          worker.cancel(callId);
        }
      }
    }

    /** The call's value ({@code failure} null) or failure is known. */
    void resolved(MemIsolateException failure, CallOutcome from) {
      CallRecord record;
      synchronized (this) {
        if (resolved) {
          return;
        }
        resolved = true;
        resolvedAt = System.nanoTime();
        event.end();
        this.failure = failure;
        resolvedFrom = from;
        record = recordIfComplete();
      }
      observe(record);
    }

    /**
     * The call ended without an outcome: a failure before it was sent, or a cancellation while
     * queued.
     */
    void resolvedWithout(Throwable cause) {
      MemIsolateException failure =
          cause instanceof MemIsolateException isolation
              ? isolation
              : new Facts(
                      Reason.CANCELLED,
                      "the call was cancelled before it was sent; the callable did not run")
                  .toException();
      resolved(failure, null);
    }

    /** The child of the call's last attempt is gone (or there was none): the last word on it. */
    void childEnded(CallOutcome outcome) {
      if (outcome == firstAttempt) {
        // An attempt stuck before the callable; the call went on in another child.
        return;
      }
      CallRecord record;
      synchronized (this) {
        childEnd = outcome;
        record = recordIfComplete();
      }
      observe(record);
    }

    /**
     * The record, once the call is resolved and its child gone, the first time only. Holds this.
     */
    private CallRecord recordIfComplete() {
      if (observed || !resolved || (sent && childEnd == null)) {
        return null;
      }
      observed = true;
      Duration elapsed = Duration.ofNanos(resolvedAt - startedAt);
      OptionalLong pid = OptionalLong.empty();
      Optional<Duration> cpu = Optional.empty();
      OptionalLong maxRss = OptionalLong.empty();
      if (childEnd instanceof CallOutcome.ChildExited exited) {
        pid = OptionalLong.of(exited.childPid());
        cpu = Optional.of(Duration.ofMillis(exited.usage().cpuMillis()));
        maxRss = OptionalLong.of(exited.usage().maxRssKiB() * 1024L);
      } else if (resolvedFrom instanceof CallOutcome.ValueWritten written) {
        pid = OptionalLong.of(written.childPid());
      }
      if (failure != null && failure.childPid().isPresent()) {
        pid = OptionalLong.of(failure.childPid().getAsInt());
      }
      return new CallRecord(
          failure == null ? Optional.empty() : Optional.of(failure.reason()),
          elapsed,
          pid,
          failure == null ? OptionalInt.empty() : failure.signal(),
          cpu,
          maxRss);
    }

    private void observe(CallRecord record) {
      if (record == null) {
        return;
      }
      if (event.shouldCommit()) {
        event.outcome = record.reason().map(reason -> reason.category().name()).orElse("RETURNED");
        event.reason = record.reason().map(Reason::name).orElse("");
        event.childPid = record.childPid().orElse(0);
        event.signal = record.signal().isPresent() ? Signals.name(record.signal().getAsInt()) : "";
        event.childCpuTime = record.childCpuTime().map(Duration::toMillis).orElse(0L);
        event.childMaxRss = record.childMaxRssBytes().orElse(0);
        event.commit();
      }
      if (listener != null) {
        try {
          listener.callEnded(record);
        } catch (RuntimeException e) {
          Thread current = Thread.currentThread();
          current.getUncaughtExceptionHandler().uncaughtException(current, e);
        }
      }
    }
  }

  /** The worker image, started and warm; a dead one is replaced, a full one recycled. */
  private WorkerProcess readyWorker() throws CallableDidNotExecuteException {
    synchronized (lock) {
      checkOpen();
      retired.removeIf(WorkerProcess::exited);
      adoptSuccessorIfReady();
      if (worker == null || !worker.alive()) {
        replaceDeadWorker();
      }
      try {
        worker.awaitReady(startTimeout);
        startFailuresInARow = 0;
      } catch (WorkerStartException e) {
        worker = null;
        throw startFailed(e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw (CallableDidNotExecuteException)
            new Facts(
                    Reason.WORKER_UNAVAILABLE,
                    "interrupted while waiting for the worker image (pid "
                        + worker.pid()
                        + ") to start; the callable did not run")
                .toException();
      }
      if (worker.heapUsedBytes() >= recycleAtHeapBytes
          || worker.callsTaken() >= recycleAfterCalls) {
        recycle();
      }
      return worker;
    }
  }

  private void replaceDeadWorker() throws CallableDidNotExecuteException {
    if (worker != null) {
      WorkerProcess dead = worker;
      worker = null;
      dead.close(CLOSE_GRACE);
      if (dead.failedToStart()) {
        // It died before it was ready: that is this call's answer, not a reason to start another at
        // once.
        throw startFailed(dead.startFailure(startTimeout));
      }
    }
    if (successor != null) {
      worker = successor;
      successor = null;
      return;
    }
    if (startFailure == null
        && startFailuresInARow >= START_FAILURES_BEFORE_BACKOFF
        && System.nanoTime() - noStartBefore < 0) {
      throw (CallableDidNotExecuteException)
          new Facts(
                  Reason.WORKER_START_FAILED,
                  "the worker image failed to start "
                      + startFailuresInARow
                      + " times in a row; the next attempt is in "
                      + (noStartBefore - System.nanoTime()) / 1_000_000
                      + " ms; last failure: "
                      + lastStartFailure
                      + "; the callable did not run")
              .toException();
    }
    try {
      if (startFailure != null) {
        throw startFailure;
      }
      worker = launchWorker();
    } catch (WorkerStartException e) {
      throw startFailed(e);
    } finally {
      startFailure = null;
    }
  }

  private CallableDidNotExecuteException startFailed(WorkerStartException e) {
    startFailuresInARow++;
    lastStartFailure = e.getMessage();
    if (startFailuresInARow >= START_FAILURES_BEFORE_BACKOFF) {
      long backoffMillis =
          Math.min(
              MAX_START_BACKOFF.toMillis(),
              1000L << Math.min(20, startFailuresInARow - START_FAILURES_BEFORE_BACKOFF));
      noStartBefore = System.nanoTime() + backoffMillis * 1_000_000;
    }
    return (CallableDidNotExecuteException)
        new Facts(Reason.WORKER_START_FAILED, e.getMessage() + "; the callable did not run")
            .cause(e.getCause())
            .toException();
  }

  /**
   * The worker image has served long enough, or its heap is filling up: start a successor in the
   * background, or, once the heap is at the point where a child's budget is no longer guaranteed,
   * wait for the successor.
   */
  private void recycle() {
    if (successor == null) {
      if (System.nanoTime() - noStartBefore < 0) {
        return;
      }
      try {
        successor = launchWorker();
        successorLaunchedAt = System.nanoTime();
      } catch (WorkerStartException e) {
        startFailed(e);
      }
      return;
    }
    if (worker.heapUsedBytes() >= recycleAtHeapBytes + WORKER_HEAP_RESERVE / 4) {
      try {
        successor.awaitReady(startTimeout);
        adoptSuccessorIfReady();
      } catch (WorkerStartException e) {
        successor = null;
        startFailed(e);
      } catch (InterruptedException e) {
        // The caller's thread was interrupted: serve this call from the old worker image, which
        // still can.
        Thread.currentThread().interrupt();
      }
    }
  }

  /**
   * Lets a warm successor take new calls; the old worker image finishes its calls in flight and
   * exits.
   */
  private void adoptSuccessorIfReady() {
    if (successor == null) {
      return;
    }
    if (successor.ready()) {
      if (worker != null) {
        worker.retire();
        retired.add(worker);
      }
      worker = successor;
      successor = null;
    } else {
      long waited = System.nanoTime() - successorLaunchedAt;
      if (successor.failedToStart() || waited > startTimeout.toNanos()) {
        WorkerProcess failed = successor;
        successor = null;
        failed.close(CLOSE_GRACE);
        startFailed(failed.startFailure(Duration.ofNanos(waited)));
      }
    }
  }

  /** Starts a worker image process without waiting for it to warm up. */
  private WorkerProcess launchWorker() throws WorkerStartException {
    try {
      if (agentJar == null) {
        agentJar = WorkerLaunch.writeAgentJar(workDirectory);
      }
      List<String> command =
          WorkerLaunch.command(
              agentJar,
              crashFiles.directory(),
              maxHeapBytes + WORKER_HEAP_RESERVE,
              preforkedChildren,
              jvmOptions,
              workerMainClass);
      workersLaunched.incrementAndGet();
      return WorkerProcess.start(command, forwardChildOutput);
    } catch (IOException e) {
      throw new WorkerStartException("could not start the worker image: " + e.getMessage(), e);
    }
  }

  /** Removes the agent jar, and the work directory unless crash reports are kept in it. */
  private void deleteWorkFiles() {
    try {
      if (agentJar != null) {
        Files.deleteIfExists(agentJar);
      }
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
    return crashFiles.directory();
  }

  /** The serving worker image's pid, if one runs; for tests and diagnostics. */
  long workerPid() {
    synchronized (lock) {
      return worker == null ? -1 : worker.pid();
    }
  }

  /** The serving worker image's heap in use at its last fork; for tests and diagnostics. */
  long workerHeapUsedBytes() {
    synchronized (lock) {
      return worker == null ? -1 : worker.heapUsedBytes();
    }
  }

  /** How many worker image processes this isolator has started; for tests and diagnostics. */
  int workersLaunched() {
    return workersLaunched.get();
  }

  /**
   * Settings of an {@link Isolator}. Every setter checks its value at once and throws {@link
   * IllegalArgumentException} naming the setting; {@link #build()} checks how they combine.
   */
  public static final class Builder {
    private static final long MIB = 1024L * 1024;

    /**
     * Options that would bring back a JIT compiler or a collecting GC, each of which hangs forked
     * children.
     */
    private static final List<String> FORK_UNSAFE_OPTION_PREFIXES =
        List.of(
            "-Xmixed",
            "-Xcomp",
            "-Xbatch",
            "-XX:+UseSerialGC",
            "-XX:+UseParallelGC",
            "-XX:+UseG1GC",
            "-XX:+UseZGC",
            "-XX:+UseShenandoahGC",
            "-XX:-UseEpsilonGC",
            "-XX:+BackgroundCompilation");

    private Duration timeout;
    private long maxHeapBytes = 512 * MIB;
    private long maxNativeMemoryBytes;
    private long cpuSeconds;
    private List<String> jvmOptions = List.of();
    private boolean forwardChildOutput = true;
    private int keepCrashReports = 10;
    private Path crashDirectory;
    private String workerMainClass = WorkerLaunch.MAIN_CLASS;
    private Duration startTimeout = Duration.ofSeconds(60);
    private long recycleAtHeapBytes = WORKER_HEAP_RESERVE / 2;

    /**
     * What the worker image allocates per call (about 700 bytes of heap, a little native memory) is
     * never given back; replacing it every so many calls keeps its memory flat, for the price of a
     * JVM start in the background.
     */
    private long recycleAfterCalls = 10_000;

    private int preforkedChildren = 2;
    private int maxConcurrentCalls = Math.max(2, Runtime.getRuntime().availableProcessors());
    private int maxQueuedCalls = 10_000;
    private CallListener listener;

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
      this.timeout = checkedTimeout(perCall);
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
      if (bytes < 16 * MIB) {
        throw new IllegalArgumentException(
            "maxHeapBytes must be at least 16 MiB (16777216), got " + bytes);
      }
      if (bytes > Long.MAX_VALUE / 2 - WORKER_HEAP_RESERVE) {
        throw new IllegalArgumentException(
            "maxHeapBytes "
                + bytes
                + " is too large: with the worker's reserve of "
                + WORKER_HEAP_RESERVE
                + " bytes it overflows a JVM heap size");
      }
      this.maxHeapBytes = bytes;
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
      if (bytes < MIB) {
        throw new IllegalArgumentException(
            "maxNativeMemoryBytes must be at least 1 MiB (1048576), got " + bytes);
      }
      this.maxNativeMemoryBytes = bytes;
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
      Objects.requireNonNull(perCall, "perCall");
      if (perCall.isZero() || perCall.isNegative()) {
        throw new IllegalArgumentException("maxCpuTime must be positive, got " + perCall);
      }
      long seconds = perCall.getSeconds() + (perCall.getNano() > 0 ? 1 : 0);
      if (seconds > Integer.MAX_VALUE) {
        throw new IllegalArgumentException(
            "maxCpuTime must be at most " + Integer.MAX_VALUE + " seconds, got " + perCall);
      }
      this.cpuSeconds = seconds;
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
      Objects.requireNonNull(extra, "extra");
      for (String option : extra) {
        Objects.requireNonNull(option, "jvmOptions must not contain null");
        for (String unsafe : FORK_UNSAFE_OPTION_PREFIXES) {
          if (option.startsWith(unsafe)) {
            throw new IllegalArgumentException(
                "jvmOptions: "
                    + option
                    + " brings back a JIT compiler or a collecting GC, and a child forked from"
                    + " such a JVM can hang; the worker image runs -Xint with Epsilon on purpose");
          }
        }
      }
      this.jvmOptions = List.copyOf(extra);
      return this;
    }

    /**
     * Whether each child's standard output and error are copied to the caller's {@code System.out}
     * and {@code System.err}, line by line, each line prefixed with {@code [isolate child <pid>]}.
     * Default: true. The last 64 KiB of each are kept on every {@link MemIsolateException} either
     * way.
     */
    public Builder forwardChildOutput(boolean forward) {
      this.forwardChildOutput = forward;
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
      if (count < 0) {
        throw new IllegalArgumentException("keepCrashReports must not be negative, got " + count);
      }
      this.keepCrashReports = count;
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
      if (count < 0 || count > 64) {
        throw new IllegalArgumentException(
            "preforkedChildren must be between 0 and 64, got " + count);
      }
      this.preforkedChildren = count;
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
      if (count < 1) {
        throw new IllegalArgumentException("maxConcurrentCalls must be at least 1, got " + count);
      }
      this.maxConcurrentCalls = count;
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
      if (count < 0) {
        throw new IllegalArgumentException("maxQueuedCalls must not be negative, got " + count);
      }
      this.maxQueuedCalls = count;
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

    /**
     * For tests: the worker heap use at which a successor is started. Default: half the reserve.
     */
    Builder recycleAtHeapBytes(long bytes) {
      this.recycleAtHeapBytes = bytes;
      return this;
    }

    /** For tests: the number of calls after which a successor is started. Default: 10 000. */
    Builder recycleAfterCalls(long calls) {
      this.recycleAfterCalls = calls;
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
      long workerHeap = maxHeapBytes + WORKER_HEAP_RESERVE;
      for (String option : jvmOptions) {
        long heap = heapOption(option);
        if (heap >= 0 && heap < workerHeap) {
          throw new IllegalArgumentException(
              "jvmOptions: "
                  + option
                  + " gives the worker image a heap of "
                  + heap
                  + " bytes, below maxHeapBytes "
                  + maxHeapBytes
                  + " plus its reserve of "
                  + WORKER_HEAP_RESERVE
                  + " ("
                  + workerHeap
                  + "); drop the option and set maxHeapBytes instead");
        }
      }
      if (crashDirectory != null) {
        try {
          Files.createDirectories(crashDirectory);
        } catch (IOException e) {
          throw new IllegalArgumentException(
              "crashDirectory " + crashDirectory + " cannot be created: " + e, e);
        }
      }
      Path work;
      try {
        work = Files.createTempDirectory("isolate-");
      } catch (IOException e) {
        throw new UncheckedIOException(
            "cannot create the isolator's temporary directory: " + e.getMessage(), e);
      }
      return new Isolator(this, work, crashDirectory != null ? crashDirectory : work);
    }

    /**
     * The bytes an {@code -Xmx} or {@code -XX:MaxHeapSize} option sets, or -1 for other options.
     */
    private static long heapOption(String option) {
      String value;
      if (option.startsWith("-Xmx")) {
        value = option.substring(4);
      } else if (option.startsWith("-XX:MaxHeapSize=")) {
        value = option.substring("-XX:MaxHeapSize=".length());
      } else {
        return -1;
      }
      String lower = value.toLowerCase(Locale.ROOT);
      long unit = 1;
      switch (lower.isEmpty() ? ' ' : lower.charAt(lower.length() - 1)) {
        case 'k' -> unit = 1024;
        case 'm' -> unit = MIB;
        case 'g' -> unit = 1024 * MIB;
        case 't' -> unit = 1024 * 1024 * MIB;
        default -> unit = 1;
      }
      String digits = unit == 1 ? lower : lower.substring(0, lower.length() - 1);
      try {
        return Math.multiplyExact(Long.parseLong(digits), unit);
      } catch (NumberFormatException | ArithmeticException e) {
        throw new IllegalArgumentException("jvmOptions: cannot read the heap size in " + option, e);
      }
    }
  }

  /** A per-call timeout, checked as the builder checks its own. */
  private static Duration checkedTimeout(Duration timeout) {
    Objects.requireNonNull(timeout, "timeout");
    if (timeout.isZero() || timeout.isNegative()) {
      throw new IllegalArgumentException("timeout must be positive, got " + timeout);
    }
    try {
      timeout.toNanos();
    } catch (ArithmeticException e) {
      throw new IllegalArgumentException(
          "timeout must be at most 292 years (Long.MAX_VALUE ns), got " + timeout, e);
    }
    return timeout;
  }
}
