package dev.isolate.internal.host;

import dev.isolate.internal.wire.Frame;
import dev.isolate.internal.wire.ResultStream;
import java.io.PrintStream;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A call sent to a worker image and not yet ended: what its child has written so far, and the
 * events still to tell. Fed by the frame reader alone; ended by it, or by whoever finds the worker
 * image gone.
 */
final class InFlightCall {
  final long callId;
  final long sentAt = System.nanoTime();
  final ResultStream result = new ResultStream(Long.MAX_VALUE);
  final OutputCapture stdout;
  final OutputCapture stderr;
  private final CallEvents events;
  private final AtomicBoolean outcomeTold = new AtomicBoolean();
  private final AtomicBoolean goneTold = new AtomicBoolean();
  volatile int childPid;

  InFlightCall(long callId, boolean forward, CallEvents events) {
    this.callId = callId;
    this.events = events;
    PrintStream out = forward ? System.out : null;
    PrintStream err = forward ? System.err : null;
    this.stdout = new OutputCapture(out, "[isolate child] ");
    this.stderr = new OutputCapture(err, "[isolate child] ");
  }

  void started(int pid) {
    childPid = pid;
    stdout.prefix("[isolate child " + pid + "] ");
    stderr.prefix("[isolate child " + pid + "] ");
  }

  void stream(Frame.Stream frame) {
    switch (frame.type()) {
      case Frame.Stream.RESULT -> result.append(frame.bytes());
      case Frame.Stream.STDOUT -> stdout.append(frame.bytes(), 0, frame.bytes().length);
      default -> stderr.append(frame.bytes(), 0, frame.bytes().length);
    }
  }

  /** The child ended its output: if its value is whole, that is the call's outcome already. */
  void outputEnded() {
    if (result.valueComplete()) {
      tellOutcome(
          new CallOutcome.ValueWritten(childPid, System.nanoTime() - sentAt, result, output()));
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

  long elapsedNanos() {
    return System.nanoTime() - sentAt;
  }
}
