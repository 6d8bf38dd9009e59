package dev.isolate.internal.host;

import dev.isolate.internal.wire.ResultStream;
import dev.isolate.internal.wire.WorkerFrame;
import java.io.PrintStream;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A call sent to a worker image and not yet ended: what its child has written so far, bounded, and
 * the events still to tell. Fed by the frame reader alone; ended by it, by the watchdog, or by
 * whoever finds the worker image gone.
 */
final class InFlightCall {
  final long callId;
  final long sentAt = System.nanoTime();

  /** {@code System.nanoTime()} by which the worker image must have ended the call; 0 for none. */
  final long deadline;

  final ResultStream result;
  final OutputCapture stdout;
  final OutputCapture stderr;
  private final CallEvents events;

  /** The callable class whose child reports what it learned, or null: see {@link ClassLearning}. */
  volatile Class<?> learnFor;

  private final AtomicBoolean outcomeTold = new AtomicBoolean();
  private final AtomicBoolean goneTold = new AtomicBoolean();
  private final AtomicBoolean killRequested = new AtomicBoolean();
  volatile int childPid;
  private boolean outputEndedSeen;

  InFlightCall(
      long callId,
      long timeoutNanos,
      long maxResultBytes,
      long maxOutputBytes,
      boolean forward,
      CallEvents events) {
    this.callId = callId;
    this.deadline = timeoutNanos == 0 ? 0 : sentAt + timeoutNanos;
    this.result = new ResultStream(maxResultBytes);
    this.events = events;
    PrintStream out = forward ? System.out : null;
    PrintStream err = forward ? System.err : null;
    this.stdout = new OutputCapture(out, "[isolate child] ", maxOutputBytes);
    this.stderr = new OutputCapture(err, "[isolate child] ", maxOutputBytes);
  }

  void started(int pid) {
    childPid = pid;
    stdout.prefix("[isolate child " + pid + "] ");
    stderr.prefix("[isolate child " + pid + "] ");
  }

  /**
   * Takes what the child wrote.
   *
   * @return true the first time its result pipe carries what cannot be (a malformed record, or more
   *     than the bound): the child is to be killed
   */
  boolean stream(WorkerFrame.Stream frame) {
    switch (frame.type()) {
      case WorkerFrame.Stream.RESULT -> result.append(frame.bytes());
      case WorkerFrame.Stream.STDOUT -> stdout.append(frame.bytes(), 0, frame.bytes().length);
      default -> stderr.append(frame.bytes(), 0, frame.bytes().length);
    }
    boolean misbehaved = result.malformed() != null || result.valueTooLarge();
    return misbehaved && killRequested.compareAndSet(false, true);
  }

  /** The child ended its output: if its value is whole, that is the call's outcome already. */
  void outputEnded(WorkerFrame.OutputEnded ended) {
    droppedElsewhere(ended.stdoutDropped(), ended.stderrDropped());
    outputEndedSeen = true;
    if (result.valueComplete() && result.malformed() == null) {
      tellOutcome(
          new CallOutcome.ValueWritten(childPid, System.nanoTime() - sentAt, result, output()));
    }
  }

  /**
   * The worker image dropped this much of the child's output past the bound; said in the output's
   * last line. Counted once: an exit after the end of the output repeats the end's counts.
   */
  void droppedElsewhere(long stdoutDropped, long stderrDropped) {
    if (!outputEndedSeen) {
      stdout.droppedElsewhere(stdoutDropped);
      stderr.droppedElsewhere(stderrDropped);
    }
  }

  /** The child, or the chance of one, is gone: the last word on the call. */
  void end(CallOutcome last) {
    tellOutcome(last);
    if (goneTold.compareAndSet(false, true)) {
      events.childGone(last);
    }
  }

  private void tellOutcome(CallOutcome outcome) {
    if (outcomeTold.compareAndSet(false, true)) {
      events.outcome(outcome);
    }
  }

  /** Forwards any last line and returns the tails; call once the child's output has ended. */
  ChildOutput output() {
    stdout.finish();
    stderr.finish();
    return new ChildOutput(stdout.tail(), stderr.tail());
  }

  /** Ends the call as the caller's deadline passed, the worker image having said nothing. */
  void endPastDeadline(int workerPid) {
    end(
        new CallOutcome.DeadlinePassed(
            workerPid, childPid, deadline - sentAt, elapsedNanos(), output()));
  }

  long elapsedNanos() {
    return System.nanoTime() - sentAt;
  }
}
