package dev.isolate;

import dev.isolate.internal.host.CallEvents;
import dev.isolate.internal.host.CallOutcome;
import dev.isolate.internal.host.ClassLearning;
import dev.isolate.internal.host.PluginLoaders;
import dev.isolate.internal.host.WorkerProcess;
import dev.isolate.internal.outcome.Classification;
import dev.isolate.internal.outcome.CrashFacts;
import dev.isolate.internal.outcome.CrashFiles;
import dev.isolate.internal.outcome.Failure;
import dev.isolate.internal.outcome.ThrowableRebuilder;
import dev.isolate.internal.wire.CallLimits;
import dev.isolate.internal.wire.WorkerStep;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One call, from its request to its value or exception: sent when {@link Admission} gives it a
 * slot, told by its worker image what became of its child, sent once more if that child got stuck
 * before the callable, cancelled on request, and resolved into a value or a {@link
 * MemIsolateException}, which its {@link CallObservation} records.
 */
final class RealCall implements CallEvents {
  /** What every call of one isolator shares. */
  record Context(
      Admission admission,
      WorkerSupervisor workers,
      CallerCodec codec,
      CrashFiles crashFiles,
      PluginLoaders loaders,
      ClassLearning learning,
      CallListener listener,
      AtomicLong callIds) {}

  private final Context context;
  final CallLimits limits;
  private final CallerCodec.Request request;
  private final CallObservation observation;

  /** The loader the child reads the callable with, and the caller its value. */
  private final PluginLoaders.Use loader;

  private final ClassLoader valueLoader;

  /**
   * The callable class, if the child is to report the classes it loaded for the worker image to
   * learn; else null.
   */
  private final Class<?> learnFor;

  /**
   * Completes with the outcome of the call's last attempt, or exceptionally with a {@link
   * MemIsolateException} if it could not be sent.
   */
  private final CompletableFuture<CallOutcome> outcome = new CompletableFuture<>();

  /** The outcome of an attempt whose child got stuck before the callable; it was sent again. */
  private volatile CallOutcome stuckAttempt;

  private volatile boolean cancelled;

  /** Where the current attempt went, so that it can be cancelled. Guarded by this. */
  private WorkerProcess worker;

  private long callId;

  private RealCall(
      Context context,
      CallLimits limits,
      CallerCodec.Request request,
      CallObservation observation,
      Class<?> callableClass) {
    this.context = context;
    this.limits = limits;
    this.request = request;
    this.observation = observation;
    this.loader = context.loaders().useFor(callableClass);
    this.valueLoader =
        loader.loaderId() == 0 ? context.codec().loader() : callableClass.getClassLoader();
    // A plugin's classes are its loader's: the worker image learns those of its own class path.
    this.learnFor =
        loader.loaderId() == 0 && context.learning().shouldLearn(callableClass)
            ? callableClass
            : null;
  }

  /**
   * A call of {@code callable}, serialized now.
   *
   * @throws CallableDidNotExecuteException if it cannot be serialized; that is observed too
   */
  static RealCall of(Context context, IsolatedCallable<?> callable, CallLimits limits)
      throws CallableDidNotExecuteException {
    CallObservation observation = new CallObservation(context.listener());
    try {
      return new RealCall(
          context, limits, context.codec().encode(callable), observation, callable.getClass());
    } catch (CallerCodec.Unserializable e) {
      MemIsolateException failure = MemIsolateException.of(e.failure);
      observation.resolved(failure, null);
      throw (CallableDidNotExecuteException) failure;
    }
  }

  /**
   * Sends the call, which holds a slot, to the serving worker image. Called by {@link Admission}.
   */
  void send() {
    if (cancelled) {
      context.admission().release();
      outcome.cancel(false);
      return;
    }
    long id = context.callIds().getAndIncrement();
    try {
      WorkerProcess target;
      do {
        target = context.workers().ready();
        // A worker image that retired meanwhile refuses: its successor takes the call.
      } while (!sentTo(target, id));
    } catch (CallableDidNotExecuteException | IllegalStateException e) {
      context.admission().release();
      if (stuckAttempt != null) {
        outcome.complete(stuckAttempt);
      } else {
        outcome.completeExceptionally(e);
      }
    }
  }

  private boolean sentTo(WorkerProcess target, long id) {
    synchronized (this) {
      worker = target;
      callId = id;
    }
    observation.sent();
    // Shapes are prepared with the worker image's own loader: a plugin's are left to its child.
    Set<String> shapes = loader.loaderId() == 0 ? request.shapes() : Set.of();
    if (!target.call(id, limits, loader, learnFor, request.bytes(), shapes, this)) {
      return false;
    }
    if (cancelled) {
      target.cancel(id);
    }
    return true;
  }

  /** Fails a call that was never sent: refused, or its isolator closed while it waited. */
  void failBeforeSending(Failure failure) {
    outcome.completeExceptionally(MemIsolateException.of(failure));
  }

  @Override
  public void outcome(CallOutcome attempt) {
    context.admission().release();
    // Killed before it reached the callable, or refused by a worker image that no longer forks:
    // the callable did not run.
    boolean stuckInSetup =
        (attempt instanceof CallOutcome.ChildExited exited && exited.killedInSetup())
            || (attempt instanceof CallOutcome.WorkerFailed failed
                && failed.step() == WorkerStep.NOT_FORK_SAFE);
    if (stuckInSetup && stuckAttempt == null && !context.workers().closed() && !cancelled) {
      // Killed before it reached the callable (stuck in the library's own code after the fork):
      // the callable did not run, and a second fork is almost never caught at the same instant.
      stuckAttempt = attempt;
      context.admission().admit(this, true, false);
    } else {
      outcome.complete(attempt);
    }
  }

  @Override
  public void childGone(CallOutcome last) {
    if (last != stuckAttempt) {
      observation.childGone(last);
    }
  }

  /** Kills the call's child, or drops it from the queue unrun. */
  void cancel() {
    cancelled = true;
    if (context.admission().dequeue(this)) {
      outcome.cancel(false);
      return;
    }
    synchronized (this) {
      if (worker != null) {
        worker.cancel(callId);
      }
    }
  }

  /**
   * Waits for the call on the calling thread; an interrupt cancels it.
   *
   * @throws MemIsolateException as {@link Isolator#execute} says
   */
  Object await() throws MemIsolateException {
    CallOutcome last;
    try {
      last = outcome.get();
    } catch (InterruptedException e) {
      cancel();
      Thread.currentThread().interrupt();
      MemIsolateException cancelledNow =
          MemIsolateException.of(
              new Failure(
                  Reason.CANCELLED,
                  "the calling thread was interrupted while the call ran or waited its turn; its"
                      + " child, if it had one, was killed, and the callable may have done part"
                      + " of its work"));
      observation.resolved(cancelledNow, null);
      throw cancelledNow;
    } catch (ExecutionException e) {
      return resolve(null, e.getCause());
    }
    return resolve(last, null);
  }

  /**
   * The call as {@link Isolator#submit} returns it: a future completed with the value or the
   * failure, on the thread that learns it; cancelling it cancels the call.
   */
  @SuppressWarnings("unchecked")
  <T> CompletableFuture<T> future() {
    CompletableFuture<T> result = new CompletableFuture<>();
    result.whenComplete(
        (value, failure) -> {
          if (result.isCancelled()) {
            cancel();
          }
        });
    outcome.whenComplete(
        (last, failure) -> {
          Throwable cause = failure instanceof CompletionException ? failure.getCause() : failure;
          try {
            result.complete((T) resolve(last, cause));
          } catch (MemIsolateException | RuntimeException e) {
            result.completeExceptionally(e);
          }
        });
    return result;
  }

  /** The value of the call's last attempt, or its failure. */
  private Object resolve(CallOutcome last, Throwable notSent) throws MemIsolateException {
    if (notSent != null) {
      MemIsolateException failure = unsentFailure(notSent);
      observation.resolved(failure, null);
      throw failure;
    }
    CrashFacts crash = null;
    if (Classification.mayHaveCrashed(last)) {
      crash = readCrash(last);
    }
    Classification.Verdict verdict = Classification.classify(last, limits, crash);
    if (verdict instanceof Classification.Returned returned) {
      try {
        Object value = context.codec().decode(returned.result(), valueLoader);
        observation.resolved(null, last);
        return value;
      } catch (CallerCodec.Undecodable e) {
        Failure failure =
            Classification.undecodable(
                returned.childPid(), returned.result(), e.getMessage(), e.getCause());
        failure.output(last.output().stdoutTail(), last.output().stderrTail());
        throw observed(failure, last);
      }
    }
    throw observed(((Classification.Failed) verdict).failure(), last);
  }

  private MemIsolateException observed(Failure failure, CallOutcome last) {
    if (failure.reason() == Reason.CALLABLE_SERIALIZATION_FAILED) {
      // The child could not read the callable: most often, a class it cannot see.
      failure.hint(context.loaders().hint());
    }
    if (failure.causeChain() != null) {
      failure.cause(
          new ThrowableRebuilder(valueLoader, context.codec().policy())
              .rebuild(failure.causeChain()));
    }
    MemIsolateException exception = MemIsolateException.of(failure);
    observation.resolved(exception, last);
    return exception;
  }

  private CrashFacts readCrash(CallOutcome last) {
    if (last instanceof CallOutcome.ChildExited exited) {
      long startedAtMillis = System.currentTimeMillis() - exited.elapsedNanos() / 1_000_000;
      return context.crashFiles().read(exited.childPid(), startedAtMillis, exited.output());
    }
    CallOutcome.WorkerDied died = (CallOutcome.WorkerDied) last;
    return context.crashFiles().read(died.childPid(), 0, died.output());
  }

  private static MemIsolateException unsentFailure(Throwable failure) {
    if (failure instanceof MemIsolateException isolation) {
      return isolation;
    }
    if (failure instanceof CancellationException) {
      return MemIsolateException.of(
          new Failure(
              Reason.CANCELLED,
              "the call was cancelled before it was sent; the callable did not run"));
    }
    if (failure instanceof RuntimeException unchecked) {
      throw unchecked;
    }
    throw new IllegalStateException("unexpected failure of a call", failure);
  }
}
