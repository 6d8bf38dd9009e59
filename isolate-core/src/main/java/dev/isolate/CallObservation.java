package dev.isolate;

import dev.isolate.internal.host.CallOutcome;
import dev.isolate.internal.jfr.IsolatedCallEvent;
import dev.isolate.posix.Signals;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * What is observed of one call: once it is resolved and its child is gone, a {@link CallRecord} for
 * the isolator's {@link CallListener} and the JFR event {@code dev.isolate.IsolatedCall}, the same
 * facts in both. Thread-safe: the two halves arrive on different threads.
 */
final class CallObservation {
  private final CallListener listener;
  private final long startedAt = System.nanoTime();
  private final IsolatedCallEvent event = new IsolatedCallEvent();

  // Guarded by this.
  private boolean sent;
  private CallOutcome childEnd;
  private boolean resolved;
  private MemIsolateException failure;
  private CallOutcome resolvedFrom;
  private long resolvedAt;
  private boolean observed;

  CallObservation(CallListener listener) {
    this.listener = listener;
    event.begin();
  }

  /** The call went to a worker image: its record waits for its child to be gone. */
  synchronized void sent() {
    sent = true;
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
    publish(record);
  }

  /** The child of the call's last attempt is gone: the last word on it. */
  void childGone(CallOutcome outcome) {
    CallRecord record;
    synchronized (this) {
      childEnd = outcome;
      record = recordIfComplete();
    }
    publish(record);
  }

  /** The record, once the call is resolved and its child gone, the first time only. */
  private CallRecord recordIfComplete() {
    if (observed || !resolved || (sent && childEnd == null)) {
      return null;
    }
    observed = true;
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
        Duration.ofNanos(resolvedAt - startedAt),
        pid,
        failure == null ? OptionalInt.empty() : failure.signal(),
        cpu,
        maxRss);
  }

  private void publish(CallRecord record) {
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
