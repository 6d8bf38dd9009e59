package dev.isolate.internal.worker;

import dev.isolate.internal.boot.ExitHook;
import dev.isolate.internal.wire.Bytes;
import dev.isolate.internal.wire.ChildRecords;
import dev.isolate.internal.wire.Frames;
import dev.isolate.internal.wire.KryoCodec;
import dev.isolate.internal.wire.WorkerStep;
import dev.isolate.posix.Errno;
import dev.isolate.posix.ForkResult;
import dev.isolate.posix.NativeBuffer;
import dev.isolate.posix.PollSet;
import dev.isolate.posix.Signals;
import dev.isolate.posix.SyscallException;
import dev.isolate.posix.Syscalls;
import dev.isolate.posix.Syscalls.WaitResult;
import java.util.ArrayList;
import java.util.Arrays;

/**
 * The worker image's one busy thread: reads calls, hands each to a spare child forked ahead or
 * forks a child for it, relays what each child writes and reports how it ended.
 *
 * <p>Fork safety rests on this class doing everything on one thread that lives as long as the
 * worker image (children's {@code PR_SET_PDEATHSIG} is tied to the thread that forked them),
 * allocating almost nothing per call (the heap is never collected), and never blocking on one child
 * while another needs service: every descriptor is watched by one {@code poll}.
 */
public final class Zygote {
  /**
   * The most bytes relayed in one frame, and the capacity asked of each result pipe: large values
   * cross in few, large copies rather than in many wake-ups of the zygote (64 KiB pipes gave 200
   * MB/s).
   */
  static final int CHUNK = 1024 * 1024;

  /**
   * The largest request given to a spare: what a pipe holds by default, so that the write never
   * waits.
   */
  private static final int SPARE_REQUEST_LIMIT = 64 * 1024;

  /** How often children are checked with {@code WNOHANG} even when their pipes are quiet. */
  private static final long SWEEP_INTERVAL_NANOS = 100_000_000L;

  /** Poll timeout while a child has closed its pipes but is not reaped yet: it is about to exit. */
  private static final int EXITING_POLL_MILLIS = 1;

  private static final int SWEEP_POLL_MILLIS = 100;
  private static final byte[] STREAM_FRAME_TYPES = {Frames.RESULT, Frames.STDOUT, Frames.STDERR};

  /**
   * How long a child may take from fork to its callable: normally milliseconds. Past it, the child
   * is stuck in the library's own code (a lock a vanished thread of the worker held at fork time,
   * say), and it is killed rather than left to hang a call that has no timeout.
   */
  private static final long SETUP_LIMIT_NANOS =
      Long.getLong("isolate.childSetupLimitMillis", 30_000) * 1_000_000;

  /**
   * How long a child that has not reached its callable may sit blocked on a lock (in {@code futex})
   * without using any CPU before it is taken for stuck. Seen for real, once in about 100 000 forks:
   * a child loading a class waits forever for HotSpot's {@code ThreadCritical} lock, which the
   * worker's WatcherThread held (cleaning the chunk pool, every 5 s) at the instant of the fork.
   */
  private static final long STUCK_NANOS =
      Long.getLong("isolate.childStuckMillis", 5_000) * 1_000_000;

  /** The call id of a spare child, which has none yet. */
  private static final long SPARE = -1;

  /**
   * How long the zygote must have had nothing to do before it forks a spare, unless none is left.
   */
  private static final long REFILL_QUIET_NANOS = 1_000_000;

  /** After a spare could not be forked, how long before the next attempt. */
  private static final long SPARE_RETRY_NANOS = 1_000_000_000L;

  private final Syscalls syscalls;
  private final int protocolIn;
  private final int protocolOut;
  private final int pid;

  /** Relay buffer: a frame header, then up to {@link #CHUNK} bytes read from a pipe. */
  private final NativeBuffer relay;

  private final NativeBuffer control;
  private final byte[] controlBytes = new byte[Frames.HEADER + 32];
  private final RequestBuffer requests = new RequestBuffer();
  private final ArrayList<Child> children = new ArrayList<>();
  private final PollSet single;
  private final ChildRunner runner;
  private final Runtime runtime = Runtime.getRuntime();
  private PollSet pollSet;
  private int[] slotChild;
  private int[] slotStream;
  private boolean callerConnected = true;
  private long lastSweep = System.nanoTime();

  /**
   * How many spare children to keep forked and waiting (the pre-forked pool); 0 forks each child
   * for its call. Set by the caller's {@code Isolator.Builder.preforkedChildren}.
   */
  private final int poolSize = Integer.getInteger("isolate.preforkedChildren", 0);

  private long noSpareBefore;

  /**
   * When the last poll returned something to do; spares are forked once the zygote has been quiet a
   * while.
   */
  private long lastEvent = System.nanoTime();

  /**
   * One forked child and the read ends of its pipes (result, stdout, stderr). A spare, forked ahead
   * of any call, also has the write end of its request pipe, until it is given a call.
   */
  private static final class Child {
    /** The call it runs; {@link #SPARE} while it waits for one. */
    long callId;

    final int pid;
    final int[] fds;
    int requestFd;

    /** {@code System.nanoTime()} at which the child is killed; 0 for none. */
    long deadline;

    /** {@code System.nanoTime()} by which the child must have written to its result pipe. */
    long setupDeadline;

    /**
     * While it is not set up: its CPU ticks when last looked at, and since when they have not
     * moved.
     */
    long cpuTicks = -1;

    long unchangedSince;

    /** Whether the child wrote to its result pipe: it got through the library's own setup. */
    boolean setUp;

    boolean killedAtDeadline;
    boolean killedInSetup;
    boolean cancelled;
    boolean done;

    Child(long callId, int pid, int resultFd, int outFd, int errFd, int requestFd) {
      this.callId = callId;
      this.pid = pid;
      this.fds = new int[] {resultFd, outFd, errFd};
      this.requestFd = requestFd;
      startClock(0);
    }

    /** The call's clocks start now: its timeout, and the setup limit of the stuck-child watch. */
    void startClock(long timeoutNanos) {
      unchangedSince = System.nanoTime();
      setupDeadline = unchangedSince + SETUP_LIMIT_NANOS;
      deadline = timeoutNanos == 0 ? 0 : unchangedSince + timeoutNanos;
    }

    boolean spare() {
      return callId == SPARE;
    }

    boolean pipesClosed() {
      return fds[0] < 0 && fds[1] < 0 && fds[2] < 0;
    }
  }

  /** Thrown when the caller is gone: the protocol output failed. */
  private static final class CallerGone extends RuntimeException {
    private static final long serialVersionUID = 1L;

    CallerGone(SyscallException cause) {
      super(cause);
    }
  }

  public Zygote(Syscalls syscalls, WorkerMain.ProtocolStreams streams) {
    this.syscalls = syscalls;
    this.protocolIn = streams.input();
    this.protocolOut = streams.output();
    this.pid = syscalls.getpid();
    this.relay = syscalls.allocate(Frames.HEADER + CHUNK);
    this.control = syscalls.allocate(controlBytes.length);
    this.single = syscalls.newPollSet(1);
    this.runner = new ChildRunner(syscalls, relay, pid);
    growPollSet(64);
  }

  /** Warms up, announces itself, and serves calls until the caller closes the protocol. */
  public void serve() {
    ExitHook.handler = runner::exitCalled;
    new WarmUp(syscalls, runner).run();
    // Frames of up to a chunk go to the caller in one piece rather than in sixteen.
    widen(protocolOut);
    runner.shareFiles(SharedFiles.scan(syscalls, protocolIn, protocolOut));
    try {
      control.put(0, Frames.MAGIC, 0, Frames.MAGIC.length);
      writeFully(control, Frames.MAGIC.length);
      sendControl(Frames.READY, 0, pid, 0, 0, 0, 0, 4);
      while (callerConnected) {
        serveOnce();
      }
    } catch (CallerGone e) {
      callerConnected = false;
    } finally {
      killRemainingChildren();
    }
  }

  private void serveOnce() {
    long now = System.nanoTime();
    int refillDue = refillPool(now);
    int count = preparePoll();
    // Spares are not swept: one that dies closes its pipes, which wakes the poll.
    int timeout = -1;
    for (int i = 0; i < children.size(); i++) {
      Child child = children.get(i);
      if (child.spare()) {
        continue;
      }
      if (timeout < 0) {
        timeout = SWEEP_POLL_MILLIS;
      }
      if (child.pipesClosed()) {
        timeout = EXITING_POLL_MILLIS;
      } else if (child.deadline != 0 && !child.killedAtDeadline) {
        long millis = Math.max(0, (child.deadline - now + 999_999) / 1_000_000);
        timeout = (int) Math.min(timeout, millis);
      }
    }
    if (refillDue >= 0) {
      timeout = timeout < 0 ? refillDue : Math.min(timeout, refillDue);
    }
    try {
      if (syscalls.poll(pollSet, count, timeout) > 0) {
        lastEvent = System.nanoTime();
      }
    } catch (SyscallException e) {
      if (e.errno() == Errno.EINTR) {
        return;
      }
      throw new IllegalStateException("the worker image cannot poll its descriptors", e);
    }
    for (int slot = 0; slot < count; slot++) {
      if (pollSet.revents(slot) == 0) {
        continue;
      }
      if (slotChild[slot] < 0) {
        readRequests();
      } else {
        Child child = children.get(slotChild[slot]);
        if (child.spare() && !child.done) {
          // A spare writes nothing before its call: it failed its setup, or died. The next one
          // waits a
          // while, so that a set-up that always fails does not make the zygote fork in a loop.
          discard(child);
          noSpareBefore = System.nanoTime() + SPARE_RETRY_NANOS;
        } else if (!child.done) {
          relay(child, slotStream[slot]);
        }
      }
    }
    reapFinished();
  }

  /**
   * Forks spares while the pool is short, once no call's child is busy and the zygote has had
   * nothing to do for {@link #REFILL_QUIET_NANOS}: a fork takes the zygote a millisecond or more,
   * in which it relays nothing, and a new spare's set-up takes a core for as long; done while a
   * caller was receiving its value, both delayed it by a millisecond. Calls that come back to back
   * find the pool empty and fork their own children, as without a pool.
   *
   * @return how many milliseconds until a spare is due, or -1 if none is (or an event will tell)
   */
  private int refillPool(long now) {
    if (poolSize == 0) {
      return -1;
    }
    int spares = 0;
    boolean busy = false;
    for (int i = 0; i < children.size(); i++) {
      Child child = children.get(i);
      if (child.spare() && !child.done) {
        spares++;
      } else if (!child.done && !child.pipesClosed()) {
        busy = true;
      }
    }
    if (spares >= poolSize || !callerConnected) {
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
    while (spares < poolSize && noSpareBefore - System.nanoTime() <= 0) {
      forkSpare();
      spares++;
    }
    return -1;
  }

  private static int millisUntil(long at, long now) {
    return (int) Math.min(Integer.MAX_VALUE, (at - now + 999_999) / 1_000_000);
  }

  private void forkSpare() {
    NewPipes pipes;
    ForkResult forked;
    try {
      pipes = new NewPipes(true);
    } catch (SyscallException e) {
      // No spare now (out of descriptors): calls fork their own child, and will report why.
      noSpareBefore = System.nanoTime() + SPARE_RETRY_NANOS;
      return;
    }
    try {
      ChildRunner.Pipes childPipes = pipes.forChild();
      forked = syscalls.fork();
      if (forked instanceof ForkResult.Child) {
        try {
          runner.runSpare(childPipes);
        } finally {
          syscalls.exitImmediately(ChildRecords.EXIT_CHILD_ESCAPED);
        }
      }
    } catch (SyscallException e) {
      // No spare now (out of processes): calls fork their own child, and will report why.
      pipes.closeAll();
      noSpareBefore = System.nanoTime() + SPARE_RETRY_NANOS;
      return;
    }
    int spare = ((ForkResult.Parent) forked).childPid();
    SyscallException closeFailure = pipes.closeChildEnds();
    Child child =
        new Child(SPARE, spare, pipes.result[0], pipes.out[0], pipes.err[0], pipes.request[1]);
    children.add(child);
    if (closeFailure != null) {
      discard(child);
      noSpareBefore = System.nanoTime() + SPARE_RETRY_NANOS;
    }
  }

  /**
   * A new child's pipes: result, standard output and error, and a spare's request pipe. The result
   * pipe is widened; a spare's request pipe takes non-blocking writes, so that a request that does
   * not fit is written partly and the spare discarded, never waited on.
   */
  private final class NewPipes {
    final int[] result;
    final int[] out;
    final int[] err;

    /** Null for a child forked for a call already in memory. */
    final int[] request;

    /** Opens them all, or none: on a failure, closes what it opened and rethrows. */
    NewPipes(boolean spare) throws SyscallException {
      int[][] opened = new int[4][];
      try {
        opened[0] = syscalls.pipe();
        opened[1] = syscalls.pipe();
        opened[2] = syscalls.pipe();
        if (spare) {
          opened[3] = syscalls.pipe();
          syscalls.setNonBlocking(opened[3][1]);
        }
      } catch (SyscallException e) {
        for (int[] pipe : opened) {
          closeQuietly(pipe);
        }
        throw e;
      }
      result = opened[0];
      out = opened[1];
      err = opened[2];
      request = opened[3];
      widen(result[0]);
    }

    /**
     * What the child keeps and what it must close. Built before the fork: a child must not allocate
     * a new kind of object, or load a class, until it has stopped sharing the worker's jar
     * descriptors.
     */
    ChildRunner.Pipes forChild() {
      int requestRead = request == null ? -1 : request[0];
      int requestWrite = request == null ? -1 : request[1];
      return new ChildRunner.Pipes(
          result[1],
          out[1],
          err[1],
          requestRead,
          descriptorsNotForChild(result[0], out[0], err[0], requestWrite));
    }

    void closeAll() {
      closeQuietly(request);
      closeQuietly(result);
      closeQuietly(out);
      closeQuietly(err);
    }

    /**
     * After the fork, the worker's copies of the child's ends must go, or end of file never comes.
     *
     * @return the first close that failed, or null
     */
    SyscallException closeChildEnds() {
      SyscallException failure = request == null ? null : closeCollecting(request[0], null);
      failure = closeCollecting(result[1], failure);
      failure = closeCollecting(out[1], failure);
      return closeCollecting(err[1], failure);
    }
  }

  /** Asks for a pipe of {@link #CHUNK}; the default 64 KiB serves too, only more slowly. */
  private void widen(int pipe) {
    try {
      syscalls.setPipeSize(pipe, CHUNK);
    } catch (SyscallException e) {
      // Above pipe-max-size, or the user's pipe budget is spent: keep what the kernel gave.
    }
  }

  /**
   * Gives the call to a waiting spare: writes it to the spare's request pipe, which never blocks.
   * False if the request is larger than {@link #SPARE_REQUEST_LIMIT}, if there is no spare, or if
   * the write fell short (that spare, holding part of a request, is discarded).
   */
  private boolean handToSpare(long callId, long timeoutNanos, int limitsOffset, int requestLength) {
    if (4 + requestLength > SPARE_REQUEST_LIMIT) {
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
    relay.putInt(0, requestLength);
    relay.put(4, requests.array(), limitsOffset, requestLength);
    int written;
    try {
      written = syscalls.write(spare.requestFd, relay, 0, 4 + requestLength);
    } catch (SyscallException e) {
      written = -1;
    }
    if (written != 4 + requestLength) {
      discard(spare);
      return false;
    }
    closeStream(spare.requestFd);
    spare.requestFd = -1;
    spare.callId = callId;
    spare.startClock(timeoutNanos);
    sendStarted(callId, spare.pid);
    return true;
  }

  private int preparePoll() {
    int needed = 1 + 3 * children.size();
    if (needed > pollSet.capacity()) {
      growPollSet(needed * 2);
    }
    int slot = 0;
    pollSet.set(slot, protocolIn, PollSet.POLLIN);
    slotChild[slot++] = -1;
    for (int c = 0; c < children.size(); c++) {
      int[] fds = children.get(c).fds;
      for (int stream = 0; stream < 3; stream++) {
        if (fds[stream] >= 0) {
          pollSet.set(slot, fds[stream], PollSet.POLLIN);
          slotChild[slot] = c;
          slotStream[slot++] = stream;
        }
      }
    }
    return slot;
  }

  private void growPollSet(int capacity) {
    pollSet = syscalls.newPollSet(capacity);
    slotChild = new int[capacity];
    slotStream = new int[capacity];
  }

  private void readRequests() {
    int n;
    try {
      n = syscalls.read(protocolIn, relay, 0, CHUNK);
    } catch (SyscallException e) {
      if (e.errno() == Errno.EINTR || e.errno() == Errno.EAGAIN) {
        return;
      }
      callerConnected = false;
      return;
    }
    if (n == 0) {
      // The caller closed its end (Isolator.close, or the caller's JVM died): stop.
      callerConnected = false;
      return;
    }
    requests.append(relay, n);
    while (requests.hasFrame()) {
      if (requests.type() == Frames.CALL) {
        int payload = requests.payloadOffset();
        byte[] array = requests.array();
        long timeoutNanos = Bytes.getLong(array, payload);
        long nativeMemoryBytes = Bytes.getLong(array, payload + 8);
        long cpuSeconds = Bytes.getLong(array, payload + 16);
        startChild(
            requests.callId(),
            timeoutNanos,
            nativeMemoryBytes,
            cpuSeconds,
            payload + Frames.CALL_LIMITS,
            requests.payloadLength() - Frames.CALL_LIMITS);
      } else if (requests.type() == Frames.CANCEL) {
        cancel(requests.callId());
      } else if (requests.type() == Frames.PREPARE) {
        prepare(
            Frames.strings(requests.array(), requests.payloadOffset(), requests.payloadLength()));
      }
      requests.consumeFrame();
    }
  }

  private void startChild(
      long callId,
      long timeoutNanos,
      long nativeMemoryBytes,
      long cpuSeconds,
      int payloadOffset,
      int payloadLength) {
    if (handToSpare(
        callId,
        timeoutNanos,
        payloadOffset - Frames.CALL_LIMITS,
        payloadLength + Frames.CALL_LIMITS)) {
      return;
    }
    NewPipes pipes;
    try {
      pipes = new NewPipes(false);
    } catch (SyscallException e) {
      sendFailed(callId, WorkerStep.PIPE, e.errno(), 0, -1, 0);
      return;
    }
    ChildRunner.Pipes childPipes = pipes.forChild();
    ForkResult forked;
    try {
      forked = syscalls.fork();
    } catch (SyscallException e) {
      pipes.closeAll();
      sendFailed(callId, WorkerStep.FORK, e.errno(), 0, -1, 0);
      return;
    }
    if (forked instanceof ForkResult.Child) {
      try {
        runner.runChild(
            requests.array(),
            payloadOffset,
            payloadLength,
            childPipes,
            nativeMemoryBytes,
            cpuSeconds);
      } finally {
        // Whatever escaped the child runner must not return into this loop in a child.
        syscalls.exitImmediately(ChildRecords.EXIT_CHILD_ESCAPED);
      }
    }
    int childPid = ((ForkResult.Parent) forked).childPid();
    sendStarted(callId, childPid);
    SyscallException closeFailure = pipes.closeChildEnds();
    Child child = new Child(callId, childPid, pipes.result[0], pipes.out[0], pipes.err[0], -1);
    child.startClock(timeoutNanos);
    if (closeFailure != null) {
      fail(child, WorkerStep.CLOSE_CHILD_ENDS, closeFailure.errno(), 0);
      return;
    }
    children.add(child);
  }

  private void sendStarted(long callId, int childPid) {
    // The caller recycles this worker image before its heap, never collected, crowds out the
    // children's.
    int heapUsedKiB = (int) ((runtime.totalMemory() - runtime.freeMemory()) >> 10);
    sendControl(Frames.STARTED, callId, childPid, heapUsedKiB, 0, 0, 0, 8);
  }

  /**
   * Prepares, once, what children would otherwise each do to read callables of these shapes (see
   * {@code KryoCodec.prepare}): children forked from now on find the work done; spares forked
   * before do it themselves, as if nothing had been prepared. Allocates, but once per shape, which
   * the caller sends once.
   */
  private void prepare(String[] shapes) {
    for (String shape : shapes) {
      KryoCodec.prepare(runner.kryo(), shape);
    }
  }

  /**
   * The caller gave up on a call: its child, if it still runs, is killed and then reported as
   * usual.
   */
  private void cancel(long callId) {
    for (int i = 0; i < children.size(); i++) {
      Child child = children.get(i);
      if (child.callId == callId && !child.done && !child.cancelled) {
        child.cancelled = true;
        kill(child);
      }
    }
  }

  /**
   * Everything a new child must close: the worker's ends of its own pipes, the protocol, and every
   * other child's pipes. Built before the fork, closed in the child.
   */
  private int[] descriptorsNotForChild(int ownResult, int ownOut, int ownErr, int ownRequest) {
    int[] fds = new int[6 + 4 * children.size()];
    int n = 0;
    fds[n++] = ownResult;
    fds[n++] = ownOut;
    fds[n++] = ownErr;
    if (ownRequest >= 0) {
      fds[n++] = ownRequest;
    }
    fds[n++] = protocolIn;
    fds[n++] = protocolOut;
    for (Child other : children) {
      for (int fd : other.fds) {
        if (fd >= 0) {
          fds[n++] = fd;
        }
      }
      if (other.requestFd >= 0) {
        fds[n++] = other.requestFd;
      }
    }
    return Arrays.copyOf(fds, n);
  }

  private SyscallException closeCollecting(int fd, SyscallException earlier) {
    try {
      syscalls.close(fd);
      return earlier;
    } catch (SyscallException e) {
      return earlier == null ? e : earlier;
    }
  }

  private void relay(Child child, int stream) {
    int fd = child.fds[stream];
    if (fd < 0) {
      return;
    }
    int n;
    try {
      n = syscalls.read(fd, relay, Frames.HEADER, CHUNK);
    } catch (SyscallException e) {
      if (e.errno() == Errno.EINTR || e.errno() == Errno.EAGAIN) {
        return;
      }
      fail(child, WorkerStep.READ, e.errno(), 0);
      return;
    }
    if (n == 0) {
      closeStream(child, stream);
      if (child.pipesClosed()) {
        sendControl(Frames.OUTPUT_ENDED, child.callId, 0, 0, 0, 0, 0, 0);
      }
      return;
    }
    if (stream == 0) {
      child.setUp = true;
    }
    writeRelayFrame(STREAM_FRAME_TYPES[stream], child.callId, n);
  }

  private void writeRelayFrame(byte type, long callId, int payloadLength) {
    relay.putInt(0, 1 + 8 + payloadLength);
    relay.putByte(4, type);
    relay.putLong(5, callId);
    writeFully(relay, Frames.HEADER + payloadLength);
  }

  private void closeStream(Child child, int stream) {
    int fd = child.fds[stream];
    child.fds[stream] = -1;
    closeStream(fd);
  }

  private void closeStream(int fd) {
    try {
      syscalls.close(fd);
    } catch (SyscallException e) {
      // A pipe end that will not close leaks one descriptor; the call itself is unaffected.
    }
  }

  private void reapFinished() {
    long now = System.nanoTime();
    boolean sweep = now - lastSweep >= SWEEP_INTERVAL_NANOS;
    if (sweep) {
      lastSweep = now;
    }
    for (int i = children.size() - 1; i >= 0; i--) {
      Child child = children.get(i);
      if (child.deadline != 0 && !child.killedAtDeadline && now - child.deadline >= 0) {
        killAtDeadline(child);
      }
      if (!child.spare()
          && !child.setUp
          && !child.killedInSetup
          && !child.done
          && !child.pipesClosed()) {
        if (now - child.setupDeadline >= 0 || (sweep && stuckOnALock(child, now))) {
          child.killedInSetup = true;
          kill(child);
        }
      }
      if (!child.done && !child.spare() && (sweep || child.pipesClosed())) {
        tryReap(child);
      }
      if (child.done) {
        children.remove(i);
      }
    }
  }

  /**
   * Reaps {@code child} if it has exited; pipes are read to their end first (a large result never
   * deadlocks).
   */
  private void tryReap(Child child) {
    WaitResult result;
    while (true) {
      try {
        result = syscalls.waitpid(child.pid, true);
        break;
      } catch (SyscallException e) {
        if (e.errno() != Errno.EINTR) {
          fail(child, WorkerStep.WAIT, e.errno(), 0);
          return;
        }
      }
    }
    if (result.pid() == 0) {
      return;
    }
    if (result.pid() != child.pid) {
      fail(child, WorkerStep.WAIT_RETURNED_OTHER_PID, 0, result.pid());
      return;
    }
    drainExited(child);
    int flags =
        (child.killedAtDeadline ? Frames.EXITED_KILLED_AT_DEADLINE : 0)
            | (child.killedInSetup ? Frames.EXITED_KILLED_IN_SETUP : 0)
            | (child.cancelled ? Frames.EXITED_CANCELLED : 0);
    int cpuMillis = (int) Math.min(Integer.MAX_VALUE, result.cpuMicros() / 1000);
    int maxRssKiB = (int) Math.min(Integer.MAX_VALUE, result.maxRssKiB());
    sendControl(
        Frames.EXITED,
        child.callId,
        child.pid,
        result.status().raw(),
        flags,
        cpuMillis,
        maxRssKiB,
        20);
    child.done = true;
  }

  /**
   * Relays what an exited child left in its pipes. A pipe still open after that is held by a
   * process the child started; it is not waited for.
   */
  private void drainExited(Child child) {
    for (int stream = 0; stream < 3; stream++) {
      for (int chunks = 0; child.fds[stream] >= 0 && chunks < 4096; chunks++) {
        single.set(0, child.fds[stream], PollSet.POLLIN);
        int ready;
        try {
          ready = syscalls.poll(single, 1, 0);
        } catch (SyscallException e) {
          ready = 0;
        }
        if (ready == 0) {
          closeStream(child, stream);
          break;
        }
        relay(child, stream);
        if (child.done) {
          return;
        }
      }
      if (child.fds[stream] >= 0) {
        closeStream(child, stream);
      }
    }
  }

  /**
   * Whether a child that has not reached its callable has been blocked in {@code futex} without
   * using CPU for {@link #STUCK_NANOS}. Reads {@code /proc}, which allocates: only children this
   * late get here.
   */
  private boolean stuckOnALock(Child child, long now) {
    if (now - child.unchangedSince < STUCK_NANOS / 2) {
      return false;
    }
    ChildState state = ChildState.read(child.pid);
    if (state == null) {
      return false;
    }
    if (!state.blockedOnALock() || state.cpuTicks() != child.cpuTicks) {
      child.cpuTicks = state.cpuTicks();
      child.unchangedSince = now;
      return false;
    }
    return now - child.unchangedSince >= STUCK_NANOS;
  }

  /** The call ran out of time: SIGKILL now; the child is reaped and reported like any other. */
  private void killAtDeadline(Child child) {
    child.killedAtDeadline = true;
    kill(child);
  }

  private void kill(Child child) {
    try {
      syscalls.kill(child.pid, Signals.SIGKILL);
    } catch (SyscallException e) {
      // ESRCH: it exited on its own just now; the reap reports how.
    }
  }

  /** A system call failed for this child: discard it and tell the caller. */
  private void fail(Child child, WorkerStep step, int errno, int value) {
    int status = discard(child);
    if (!child.spare()) {
      sendFailed(child.callId, step, errno, child.pid, status, value);
    }
  }

  /** Kills and reaps {@code child} and closes its pipes; returns the raw wait status, or -1. */
  private int discard(Child child) {
    int status = killAndReap(child.pid);
    discardPipes(child);
    return status;
  }

  private void discardPipes(Child child) {
    for (int stream = 0; stream < 3; stream++) {
      if (child.fds[stream] >= 0) {
        closeStream(child, stream);
      }
    }
    if (child.requestFd >= 0) {
      closeStream(child.requestFd);
      child.requestFd = -1;
    }
    child.done = true;
  }

  /** SIGKILL, then a blocking reap: a killed child exits at once. The raw wait status, or -1. */
  private int killAndReap(int childPid) {
    try {
      syscalls.kill(childPid, Signals.SIGKILL);
    } catch (SyscallException e) {
      // ESRCH: already reaped elsewhere; waitpid below says so.
    }
    while (true) {
      try {
        WaitResult result = syscalls.waitpid(childPid, false);
        return result.pid() == childPid ? result.status().raw() : -1;
      } catch (SyscallException e) {
        if (e.errno() != Errno.EINTR) {
          return -1;
        }
      }
    }
  }

  private void killRemainingChildren() {
    for (Child child : children) {
      if (!child.done) {
        discard(child);
      }
    }
    children.clear();
  }

  private void sendFailed(
      long callId, WorkerStep step, int errno, int childPid, int waitStatus, int value) {
    sendControl(Frames.FAILED, callId, step.code(), errno, childPid, waitStatus, value, 20);
  }

  /**
   * Sends a frame whose payload is the first {@code length / 4} of five ints. Fills a reused array
   * rather than building one: this runs twice per call in a heap that is never collected.
   */
  private void sendControl(byte type, long callId, int a, int b, int c, int d, int e, int length) {
    Frames.putHeader(controlBytes, 0, type, callId, length);
    Bytes.putInt(controlBytes, Frames.HEADER, a);
    Bytes.putInt(controlBytes, Frames.HEADER + 4, b);
    Bytes.putInt(controlBytes, Frames.HEADER + 8, c);
    Bytes.putInt(controlBytes, Frames.HEADER + 12, d);
    Bytes.putInt(controlBytes, Frames.HEADER + 16, e);
    control.put(0, controlBytes, 0, Frames.HEADER + length);
    writeFully(control, Frames.HEADER + length);
  }

  private void writeFully(NativeBuffer buffer, int length) {
    int done = 0;
    while (done < length) {
      try {
        done += syscalls.write(protocolOut, buffer, done, length - done);
      } catch (SyscallException e) {
        if (e.errno() != Errno.EINTR) {
          throw new CallerGone(e);
        }
      }
    }
  }

  private void closeQuietly(int[] pipe) {
    if (pipe == null) {
      return;
    }
    for (int fd : pipe) {
      try {
        syscalls.close(fd);
      } catch (SyscallException e) {
        // Cleaning up after an earlier failure, which is the one reported.
      }
    }
  }
}
