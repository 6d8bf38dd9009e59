package dev.isolate.internal.worker;

import dev.isolate.internal.wire.CallLimits;
import dev.isolate.internal.wire.WorkerFrame;

/**
 * One forked child and the read ends of its pipes (result, stdout, stderr). A spare, forked ahead
 * of any call, also has the write end of its request pipe until it is given a call.
 */
final class Child {
  /** The call id of a spare, which has none yet. */
  static final long SPARE = -1;

  /** Index of each stream in {@link #fds}, and the frame type that relays it. */
  static final int RESULT = 0;

  static final int STDOUT = 1;
  static final int STDERR = 2;
  static final byte[] FRAME_TYPES = {
    WorkerFrame.Stream.RESULT, WorkerFrame.Stream.STDOUT, WorkerFrame.Stream.STDERR
  };

  final int pid;

  /** The call it runs; {@link #SPARE} while it waits for one. */
  long callId;

  /** The worker's read ends, by stream; -1 once closed. */
  final int[] fds;

  /** A spare's request pipe (write end); -1 once it has its call. */
  int requestFd;

  /** {@code System.nanoTime()} at which the child is killed; 0 for none. */
  long deadline;

  /** {@code System.nanoTime()} by which the child must have written to its result pipe. */
  long setupDeadline;

  /** While it is not set up: its CPU ticks when last looked at, and since when they stood still. */
  long cpuTicks = -1;

  long unchangedSince;

  /** Whether the child wrote to its result pipe: it got through the library's own set-up. */
  boolean setUp;

  boolean killedAtDeadline;
  boolean killedInSetup;
  boolean cancelled;

  /** Killed for writing more than the bound on its result pipe; what it writes is dropped. */
  boolean resultTooLarge;

  /** Bytes read from each stream so far, and of them, how many were dropped past the bound. */
  final long[] read = new long[3];

  final long[] dropped = new long[3];

  /** Reaped or discarded: it is removed from the table. */
  boolean done;

  Child(long callId, int pid, int resultFd, int outFd, int errFd, int requestFd) {
    this.callId = callId;
    this.pid = pid;
    this.fds = new int[] {resultFd, outFd, errFd};
    this.requestFd = requestFd;
  }

  /** The most its result pipe may carry; set with its call. */
  long maxResultBytes = Long.MAX_VALUE;

  /** The call's limits start now: its timeout, its result's bound, and the set-up limit. */
  void start(CallLimits limits, long setupLimitNanos) {
    maxResultBytes = limits.maxResultBytes() + CallLimits.RECORDS_ALLOWANCE;
    startClock(limits.timeoutNanos(), setupLimitNanos);
  }

  /** The call's clocks start now: its timeout, and the set-up limit of the stuck-child watch. */
  private void startClock(long timeoutNanos, long setupLimitNanos) {
    unchangedSince = System.nanoTime();
    setupDeadline = unchangedSince + setupLimitNanos;
    deadline = timeoutNanos == 0 ? 0 : unchangedSince + timeoutNanos;
  }

  boolean spare() {
    return callId == SPARE;
  }

  /** Whether it runs a call and is still writing: it holds a core, so no spare is forked now. */
  boolean busy() {
    return !spare() && !done && !pipesClosed();
  }

  boolean pipesClosed() {
    return fds[RESULT] < 0 && fds[STDOUT] < 0 && fds[STDERR] < 0;
  }
}
