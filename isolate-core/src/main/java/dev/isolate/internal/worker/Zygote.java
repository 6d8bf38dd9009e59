package dev.isolate.internal.worker;

import dev.isolate.internal.boot.ExitHook;
import dev.isolate.internal.wire.CallLimits;
import dev.isolate.internal.wire.Frame;
import dev.isolate.internal.wire.KryoCodec;
import dev.isolate.internal.wire.MalformedException;
import dev.isolate.internal.wire.WorkerFrame;
import dev.isolate.internal.wire.WorkerSettings;
import dev.isolate.internal.wire.WorkerStep;
import dev.isolate.posix.Errno;
import dev.isolate.posix.NativeBuffer;
import dev.isolate.posix.SyscallException;
import dev.isolate.posix.Syscalls;
import java.util.ArrayList;
import java.util.List;

/**
 * The worker image's one busy thread: reads calls, hands each to a spare child forked ahead or
 * forks a child for it, relays what each child writes and reports how it ended.
 *
 * <p>Fork safety rests on this class doing everything on one thread that lives as long as the
 * worker image (children's {@code PR_SET_PDEATHSIG} is tied to the thread that forked them),
 * allocating almost nothing per call (the heap is never collected), and never blocking on one child
 * while another needs service: every descriptor is watched by one {@code poll}.
 */
public final class Zygote implements RequestIntake.Handler {
  /** How often children are checked with {@code WNOHANG} even when their pipes are quiet. */
  private static final long SWEEP_INTERVAL_NANOS = 100_000_000L;

  private static final int SWEEP_POLL_MILLIS = 100;

  /** A frame at least this often, if only a heartbeat. */
  private static final long HEARTBEAT_NANOS = 1_000_000_000L;

  /** Poll timeout while a child has closed its pipes but is not reaped yet: it is about to exit. */
  private static final int EXITING_POLL_MILLIS = 1;

  private final Syscalls syscalls;
  private final WorkerSettings settings;
  private final int protocolIn;
  private final int protocolOut;
  private final int pid;
  private final List<Child> children = new ArrayList<>();
  private final ProtocolOut out;
  private final RequestIntake intake;
  private final ChildRunner runner;
  private final Reaper reaper;
  private final Relay relay;
  private final Forker forker;
  private final SparePool spares;
  private final ChildWatch watch;
  private final Orphans orphans;
  private final PollTable poll;
  private final Preloader preloader;
  private long lastSweep = System.nanoTime();

  /** When the last poll returned something to do; spares are forked once it has been quiet. */
  private long lastEvent = System.nanoTime();

  /**
   * Reads the worker image's settings, the caller's first frame, and makes the zygote they
   * describe.
   *
   * @throws MalformedException if the caller sent something else first, or left
   */
  public static Zygote configure(Syscalls syscalls, ProtocolStreams streams)
      throws MalformedException {
    // A frame header, then up to a chunk read from a pipe; also holds a spare's request.
    NativeBuffer buffer = syscalls.allocate(Frame.HEADER_BYTES + Relay.CHUNK);
    RequestIntake intake = new RequestIntake(syscalls, streams.input(), buffer);
    WorkerSettings settings = intake.awaitConfigure().settings();
    return new Zygote(syscalls, streams, settings, intake, buffer);
  }

  private Zygote(
      Syscalls syscalls,
      ProtocolStreams streams,
      WorkerSettings settings,
      RequestIntake intake,
      NativeBuffer buffer) {
    this.syscalls = syscalls;
    this.settings = settings;
    this.protocolIn = streams.input();
    this.protocolOut = streams.output();
    this.pid = syscalls.getpid();
    this.out = new ProtocolOut(syscalls, protocolOut);
    this.intake = intake;
    this.runner = new ChildRunner(syscalls, buffer, pid, settings.childLingerMillis());
    this.orphans = new Orphans(syscalls, children);
    this.reaper = new Reaper(syscalls, out, children, orphans);
    this.relay = new Relay(syscalls, out, buffer, reaper, settings.maxOutputBytes());
    reaper.drainWith(relay);
    this.forker = new Forker(syscalls, runner, children, protocolIn, protocolOut);
    this.spares =
        new SparePool(
            syscalls,
            settings.preforkedChildren(),
            settings.childSetupLimitNanos(),
            children,
            forker,
            reaper,
            out,
            buffer);
    this.watch = new ChildWatch(reaper, settings.childStuckNanos());
    this.poll = new PollTable(syscalls);
    this.preloader = new Preloader(out, runner.learner());
  }

  /**
   * Warms up, announces itself, and serves calls until the caller closes the protocol; then ends
   * every child, and every process a child left behind.
   */
  public void serve() throws SyscallException {
    // Orphans of the children come back here rather than to init: see Orphans.
    syscalls.setChildSubreaper();
    ExitHook.handler = runner::exitCalled;
    // Before the warm-up, whose child enters it too: its classes are then the worker image's.
    runner.sandbox(ChildSandbox.prepare(settings.sandbox()));
    new WarmUp(syscalls, runner).run();
    // Frames of up to a chunk go to the caller in one piece rather than in sixteen.
    Forker.widen(syscalls, protocolOut);
    for (String name : settings.preloadClasses()) {
      preloader.queue(Frame.Prepare.INITIALIZE + name);
    }
    try {
      out.ready(pid);
      // After ready, which starts the protocol: a refusal is a frame the caller must read.
      preloader.run();
      afterPreloading();
      while (intake.connected()) {
        serveOnce();
      }
    } catch (ProtocolOut.CallerGone | MalformedException e) {
      // The caller left, or is not speaking this protocol: stop, with no child left behind.
    } finally {
      reaper.discardAll();
      endOrphans();
    }
  }

  /**
   * What children forked from now on must find: the classes loaded so far as known (what they
   * report learning is what is beyond), every read-only file open now reopened in each of them, and
   * no spare forked before.
   */
  private void afterPreloading() {
    runner.learner().refresh();
    runner.shareFiles(SharedFiles.scan(syscalls, protocolIn, protocolOut));
    spares.discardAll();
    if (preloader.tainted()) {
      spares.stop();
    }
  }

  /**
   * Preloads what was learned, when no call's child is running: between calls, or just before a
   * call's fork, which would otherwise have done the same work in its child.
   */
  private void preloadIfIdle() {
    if (!preloader.pending()) {
      return;
    }
    for (Child child : children) {
      // A child that closed its pipes has done its work and is only waiting to be reaped.
      if (child.busy()) {
        return;
      }
    }
    if (preloader.run() || preloader.tainted()) {
      afterPreloading();
    }
  }

  /** Sweeps until no orphan is left, for at most a second. */
  private void endOrphans() {
    long giveUp = System.nanoTime() + 1_000_000_000L;
    orphans.sweepSoon();
    while (orphans.due() && System.nanoTime() - giveUp < 0) {
      orphans.sweep();
      if (orphans.due()) {
        try {
          poll.poll(0, Orphans.RESWEEP_MILLIS);
        } catch (SyscallException e) {
          // Interrupted: look again at once.
        }
      }
    }
  }

  /** One turn of the loop: refill the pool, wait for something to do, do it, reap. */
  private void serveOnce() throws MalformedException {
    long now = System.nanoTime();
    int refillDue = spares.refill(now, lastEvent);
    // Never silent for longer than the heartbeat: the caller takes a silent worker image for dead.
    long heartbeatDue = out.heartbeat(now, HEARTBEAT_NANOS);
    int count = poll.prepare(protocolIn, children);
    if (!waitForEvents(count, pollTimeout(now, refillDue, heartbeatDue))) {
      return;
    }
    for (int slot = 0; slot < count; slot++) {
      if (!poll.ready(slot)) {
        continue;
      }
      Child child = poll.child(slot, children);
      if (child == null) {
        intake.readAndHandle(this);
      } else if (child.spare() && !child.done) {
        // A spare writes nothing before its call: it failed its set-up, or died.
        spares.spareFailed(child);
      } else if (!child.done) {
        relay.relay(child, poll.stream(slot));
      }
    }
    reapAndWatch();
    if (orphans.due()) {
      orphans.sweep();
    }
    preloadIfIdle();
  }

  /**
   * How long the poll may sleep: until the nearest deadline, a sweep while calls run, at once for a
   * child about to exit, or until a spare is due. Spares are not swept: one that dies closes its
   * pipes, which wakes the poll.
   */
  private int pollTimeout(long now, int refillDue, long heartbeatDueNanos) {
    int timeout = -1;
    for (Child child : children) {
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
    if (orphans.due()) {
      timeout = timeout < 0 ? Orphans.RESWEEP_MILLIS : Math.min(timeout, Orphans.RESWEEP_MILLIS);
    }
    int heartbeat = (int) ((heartbeatDueNanos + 999_999) / 1_000_000);
    return timeout < 0 ? heartbeat : Math.min(timeout, heartbeat);
  }

  /** Polls; false if interrupted by a signal (the loop comes round again). */
  private boolean waitForEvents(int count, int timeoutMillis) {
    try {
      if (poll.poll(count, timeoutMillis) > 0) {
        lastEvent = System.nanoTime();
      }
      return true;
    } catch (SyscallException e) {
      if (e.errno() == Errno.EINTR) {
        return false;
      }
      throw new IllegalStateException("the worker image cannot poll its descriptors", e);
    }
  }

  /** Kills what must not go on, reaps what has exited, and forgets what is done. */
  private void reapAndWatch() {
    long now = System.nanoTime();
    boolean sweep = now - lastSweep >= SWEEP_INTERVAL_NANOS;
    if (sweep) {
      lastSweep = now;
    }
    for (int i = children.size() - 1; i >= 0; i--) {
      Child child = children.get(i);
      watch.check(child, now, sweep);
      if (!child.done && !child.spare() && (sweep || child.pipesClosed())) {
        reaper.tryReap(child);
      }
      if (child.done) {
        children.remove(i);
      }
    }
  }

  @Override
  public void call(
      long callId, CallLimits limits, byte[] bytes, int payloadOffset, int payloadLength) {
    // What this call's child would have loaded itself, loaded here once for it and those after.
    preloadIfIdle();
    if (preloader.tainted()) {
      // Forking now could hand a child a lock a thread the initializer started holds, and more.
      out.send(new WorkerFrame.Failed(callId, WorkerStep.NOT_FORK_SAFE, 0, 0, false, 0, 0));
      return;
    }
    if (spares.handOver(callId, limits, bytes, payloadOffset, payloadLength)) {
      return;
    }
    Child child;
    try {
      child = forker.forkForCall(callId, bytes, payloadOffset, payloadLength);
    } catch (Forker.ForkFailure e) {
      if (e.child != null) {
        reaper.fail(e.child, e.step, e.errno, 0);
      } else {
        out.send(new WorkerFrame.Failed(callId, e.step, e.errno, 0, false, 0, 0));
      }
      return;
    }
    child.start(limits, settings.childSetupLimitNanos());
    out.started(callId, child.pid);
  }

  /** The caller gave up on a call: its child, if it still runs, is killed and reported as usual. */
  @Override
  public void cancel(long callId) {
    for (Child child : children) {
      if (child.callId == callId && !child.done && !child.cancelled) {
        child.cancelled = true;
        reaper.kill(child);
      }
    }
  }

  /**
   * Prepares, once, what children would otherwise each do to read callables of these shapes (see
   * {@code KryoCodec.prepare}): children forked from now on find the work done; spares forked
   * before do it themselves. Allocates, but once per shape, which the caller sends once.
   */
  /**
   * Makes a class loader that calls to come will name. Spares forked before it do not have it, so
   * they are discarded; the pool refills once the worker image is idle.
   */
  @Override
  public void defineLoader(Frame.DefineLoader loader) {
    runner.loaders().define(loader);
    spares.discardAll();
  }

  @Override
  public void prepare(List<String> shapes) {
    for (String shape : shapes) {
      char kind = shape.isEmpty() ? ' ' : shape.charAt(0);
      if (kind == Frame.Prepare.INITIALIZE || kind == Frame.Prepare.LOAD) {
        if (settings.learn()) {
          preloader.queue(shape);
        }
      } else {
        KryoCodec.prepare(runner.kryo(), shape);
      }
    }
  }
}
