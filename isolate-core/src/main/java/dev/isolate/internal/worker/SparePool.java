package dev.isolate.internal.worker;

import dev.isolate.internal.wire.CallLimits;
import dev.isolate.posix.NativeBuffer;
import dev.isolate.posix.SyscallException;
import dev.isolate.posix.Syscalls;
import java.util.List;

/**
 * The pre-forked pool: spare children, forked and set up ahead of any call, asleep on a request
 * pipe. A call given to a spare skips the fork and the child's set-up, which are most of its cost.
 * A spare's request is {@code int length} followed by the payload of the call's frame (its limits,
 * then the callable), which the spare reads with {@link SpareRequest}.
 */
final class SparePool {
  /**
   * The largest request given to a spare: what a pipe holds by default, so the write never waits.
   */
  static final int REQUEST_LIMIT = 64 * 1024;

  /** How long the zygote must have had nothing to do before it forks a spare. */
  private static final long REFILL_QUIET_NANOS = 1_000_000;

  /** After a spare could not be forked or set up, how long before the next attempt. */
  private static final long RETRY_NANOS = 1_000_000_000L;

  private final Syscalls syscalls;
  private final int size;
  private final long setupLimitNanos;
  private final List<Child> children;
  private final Forker forker;

  /** Set when the worker image is no longer fork-safe: no spare is forked again. */
  private boolean stopped;

  private final Reaper reaper;
  private final ProtocolOut out;
  private final NativeBuffer buffer;
  private long noSpareBefore;

  SparePool(
      Syscalls syscalls,
      int size,
      long setupLimitNanos,
      List<Child> children,
      Forker forker,
      Reaper reaper,
      ProtocolOut out,
      NativeBuffer buffer) {
    this.syscalls = syscalls;
    this.size = size;
    this.setupLimitNanos = setupLimitNanos;
    this.children = children;
    this.forker = forker;
    this.reaper = reaper;
    this.out = out;
    this.buffer = buffer;
  }

  /**
   * Forks spares while the pool is short, once no call's child is busy and the zygote has had
   * nothing to do since {@code lastEvent} for {@link #REFILL_QUIET_NANOS}: a fork takes the zygote
   * a millisecond or more, in which it relays nothing, and a new spare's set-up takes a core for as
   * long; done while a caller was receiving its value, both delayed it by a millisecond. Calls that
   * come back to back find the pool empty and fork their own children, as without a pool.
   *
   * @return how many milliseconds until a spare is due, or -1 if none is (or an event will tell)
   */
  int refill(long now, long lastEvent) {
    if (size == 0 || stopped) {
      return -1;
    }
    int spares = 0;
    boolean busy = false;
    for (Child child : children) {
      if (child.spare() && !child.done) {
        spares++;
      } else if (child.busy()) {
        busy = true;
      }
    }
    if (spares >= size) {
      return -1;
    }
    if (noSpareBefore - now > 0) {
      return millisUntil(noSpareBefore, now);
    }
    if (busy) {
      return -1;
    }
    long quietAt = lastEvent + REFILL_QUIET_NANOS;
    if (quietAt - now > 0) {
      return millisUntil(quietAt, now);
    }
    for (; spares < size && noSpareBefore - System.nanoTime() <= 0; spares++) {
      forkOne();
    }
    return -1;
  }

  private void forkOne() {
    try {
      forker.forkSpare();
    } catch (Forker.ForkFailure e) {
      // No spare now (out of descriptors or processes): calls fork their own child, and will
      // report why.
      if (e.child != null) {
        reaper.discard(e.child);
      }
      backOff();
    }
  }

  /**
   * A spare wrote or closed something before it had a call: it failed its set-up, or died. The next
   * one waits a while, so that a set-up that always fails does not make the zygote fork in a loop.
   */
  void spareFailed(Child spare) {
    reaper.discard(spare);
    backOff();
  }

  private void backOff() {
    noSpareBefore = System.nanoTime() + RETRY_NANOS;
  }

  /**
   * Gives the call whose frame payload is {@code length} bytes at {@code offset} of {@code request}
   * to a waiting spare: writes it to the spare's request pipe, which never blocks.
   *
   * @return false if the request is larger than {@link #REQUEST_LIMIT}, if there is no spare, or if
   *     the write fell short (that spare, holding part of a request, is discarded)
   */
  boolean handOver(long callId, CallLimits limits, byte[] request, int offset, int length) {
    if (4 + length > REQUEST_LIMIT) {
      return false;
    }
    Child spare = null;
    for (int i = 0; i < children.size() && spare == null; i++) {
      Child child = children.get(i);
      if (child.spare() && !child.done) {
        spare = child;
      }
    }
    if (spare == null) {
      return false;
    }
    buffer.putInt(0, length);
    buffer.put(4, request, offset, length);
    int written;
    try {
      written = syscalls.write(spare.requestFd, buffer, 0, 4 + length);
    } catch (SyscallException e) {
      written = -1;
    }
    if (written != 4 + length) {
      reaper.discard(spare);
      return false;
    }
    reaper.close(spare.requestFd);
    spare.requestFd = -1;
    spare.callId = callId;
    spare.start(limits, setupLimitNanos);
    out.started(callId, spare.pid);
    return true;
  }

  /** Forks no more spares: the worker image is no longer fork-safe. */
  void stop() {
    stopped = true;
    discardAll();
  }

  /** Discards every waiting spare: they were forked before something children need now. */
  void discardAll() {
    for (Child child : children) {
      if (child.spare() && !child.done) {
        reaper.discard(child);
      }
    }
  }

  private static int millisUntil(long at, long now) {
    return (int) Math.min(Integer.MAX_VALUE, (at - now + 999_999) / 1_000_000);
  }
}
