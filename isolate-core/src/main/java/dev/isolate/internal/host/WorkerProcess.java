package dev.isolate.internal.host;

import dev.isolate.internal.wire.CallLimits;
import dev.isolate.internal.wire.Frame;
import dev.isolate.internal.wire.WorkerFrame;
import dev.isolate.internal.wire.WorkerSettings;
import java.io.IOException;
import java.io.OutputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One running worker image, seen from the caller: its process, the thread that reads its frames,
 * the thread that drains its standard error, and the calls in flight.
 */
public final class WorkerProcess implements FrameReader.Sink {
  /**
   * How long a ready worker image may send nothing, not even a heartbeat (it sends one every
   * second), before it is taken for stopped or wedged, killed and replaced.
   */
  static final long UNRESPONSIVE_NANOS = 10_000_000_000L;

  /**
   * How long past a call's timeout the caller waits for the worker image to report the call's end
   * (it kills the child at the deadline, and reports within milliseconds) before it ends the call
   * itself and kills the worker image.
   */
  static final long DEADLINE_GRACE_NANOS = 1_500_000_000L;

  private final Process process;
  private final OutputStream toWorker;
  private final boolean forwardChildOutput;
  private final long maxOutputBytes;
  private volatile long lastFrameAt = System.nanoTime();
  private volatile String killedBecause;
  private final Map<Long, InFlightCall> inFlight = new ConcurrentHashMap<>();

  /** What the worker image was told ahead of calls. Used under the toWorker lock. */
  private final Announcements announcements;

  private final ClassLearning learning;
  private final PreloadWatch preloads;

  private final CompletableFuture<Integer> ready = new CompletableFuture<>();
  private final WorkerStderr stderr;
  private final Thread reader;
  private volatile boolean dead;

  /** Set by close(): unlike a retirement, which ends the process only once it is idle. */
  private volatile boolean stopRequested;

  /**
   * Guards registering calls, retiring and closing the input. Not the write lock (toWorker): the
   * frame reader takes this one, and must never wait behind a writer that waits for the worker
   * image, which may be waiting for the reader.
   */
  private final Object calls = new Object();

  /**
   * Takes no new calls; its input is closed, and so it exits, once the calls in flight are done.
   */
  private volatile boolean retiring;

  /** Guarded by calls. */
  private boolean inputClosed;

  private volatile long heapUsedBytes;

  /** Written under calls. */
  private volatile long callsTaken;

  private volatile String howItEnded;

  private WorkerProcess(
      Process process,
      WorkerSettings settings,
      boolean forwardChildOutput,
      ClassLearning learning) {
    this.process = process;
    this.learning = learning;
    this.preloads = new PreloadWatch(learning);
    this.announcements = new Announcements(learning);
    this.forwardChildOutput = forwardChildOutput;
    this.maxOutputBytes = settings.maxOutputBytes();
    this.toWorker = process.getOutputStream();
    this.stderr = new WorkerStderr(process, settings.maxOutputBytes());
    this.reader =
        new Thread(
            new FrameReader(process.getInputStream(), this),
            "isolate-worker-" + process.pid() + "-frames");
    reader.setDaemon(true);
  }

  /**
   * Starts {@code command} and sends it {@code settings}; the worker image then warms up on its
   * own, see {@link #awaitReady}.
   */
  public static WorkerProcess start(
      ProcessBuilder launch,
      WorkerSettings settings,
      boolean forwardChildOutput,
      ClassLearning learning)
      throws IOException {
    Process process = launch.start();
    WorkerProcess worker = new WorkerProcess(process, settings, forwardChildOutput, learning);
    worker.reader.start();
    worker.stderr.start();
    try {
      synchronized (worker.toWorker) {
        worker.toWorker.write(new Frame.Configure(settings).encode());
        worker.toWorker.flush();
      }
    } catch (IOException e) {
      // It died at once; awaitReady reports how, with its stderr.
    }
    return worker;
  }

  public long pid() {
    return process.pid();
  }

  /**
   * Waits until the worker image has warmed up.
   *
   * @throws WorkerStartException if it died or did not get ready within {@code timeout}; the worker
   *     is then stopped
   * @throws InterruptedException if the waiting thread was interrupted; the worker goes on starting
   */
  public void awaitReady(Duration timeout) throws WorkerStartException, InterruptedException {
    try {
      ready.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException | TimeoutException e) {
      close(Duration.ofSeconds(2));
      throw startFailure(timeout);
    }
  }

  /**
   * Why it is not ready: it ended before it was, or it was still starting after {@code waited}. For
   * a worker image that {@link #failedToStart()} or was stopped while starting.
   */
  public WorkerStartException startFailure(Duration waited) {
    if (ready.isCompletedExceptionally()) {
      return new WorkerStartException(
          "the worker image (pid "
              + pid()
              + ") "
              + howItEnded
              + " before it was ready"
              + stderr.suffix());
    }
    return new WorkerStartException(
        "the worker image (pid "
            + pid()
            + ") was not ready after "
            + waited.toMillis()
            + " ms and was stopped"
            + stderr.suffix());
  }

  /** Whether it can take calls. */
  public boolean alive() {
    return !dead && !retiring;
  }

  /** Whether it has finished starting and can take calls now. */
  public boolean ready() {
    return ready.isDone() && !ready.isCompletedExceptionally() && alive();
  }

  /** Whether it stopped before it was ready. */
  public boolean failedToStart() {
    return ready.isCompletedExceptionally();
  }

  /** How much of its heap, which is never collected, was in use when it last forked. */
  public long heapUsedBytes() {
    return heapUsedBytes;
  }

  /** How many calls it has been sent. */
  public long callsTaken() {
    return callsTaken;
  }

  /**
   * Sends a call, whose {@code events} are then told as its child's frames arrive (or at once, if
   * it could not be sent).
   *
   * @return false if this worker image is retiring: the caller sends the call to its successor
   */
  public boolean call(
      long callId,
      CallLimits limits,
      PluginLoaders.Use loader,
      Class<?> learnFor,
      byte[] callable,
      Set<String> shapes,
      CallEvents events) {
    InFlightCall call =
        new InFlightCall(
            callId,
            limits.timeoutNanos(),
            limits.maxResultBytes(),
            maxOutputBytes,
            forwardChildOutput,
            events);
    call.learnFor = learnFor;
    synchronized (calls) {
      if (retiring) {
        return false;
      }
      inFlight.put(callId, call);
      callsTaken++;
    }
    if (dead) {
      endUndelivered(call, "the worker image " + howItEnded);
      return true;
    }
    try {
      synchronized (toWorker) {
        announcements.writeFor(shapes, loader, toWorker);
        toWorker.write(
            new Frame.Call(callId, limits, loader.loaderId(), learnFor != null, callable).encode());
        toWorker.flush();
      }
    } catch (IOException e) {
      endUndelivered(call, "the call could not be written to the worker image: " + e.getMessage());
      closeInputIfIdle();
    }
    return true;
  }

  private void endUndelivered(InFlightCall call, String why) {
    inFlight.remove(call.callId);
    call.end(new CallOutcome.NotDelivered(pid(), why));
  }

  /**
   * Asks the worker image to kill the child of a call in flight; its outcome still arrives, flagged
   * as cancelled. Nothing happens for a call that has ended.
   */
  public void cancel(long callId) {
    synchronized (calls) {
      if (inputClosed || !inFlight.containsKey(callId)) {
        return;
      }
    }
    try {
      synchronized (toWorker) {
        toWorker.write(new Frame.Cancel(callId).encode());
        toWorker.flush();
      }
    } catch (IOException e) {
      // The worker image is gone, and its children with it.
    }
  }

  /**
   * Takes no more calls, and stops once the calls in flight have ended: a successor has taken over.
   * Nothing in flight is disturbed.
   */
  public void retire() {
    synchronized (calls) {
      retiring = true;
    }
    closeInputIfIdle();
  }

  /** Whether the process has exited. */
  public boolean exited() {
    return !process.isAlive();
  }

  private void closeInputIfIdle() {
    synchronized (calls) {
      if (!retiring || inputClosed || !inFlight.isEmpty()) {
        return;
      }
      inputClosed = true;
    }
    // No call is registered, so no thread is writing and none will: closing cannot cut a frame.
    closeInput();
  }

  private void closeInput() {
    synchronized (toWorker) {
      try {
        toWorker.close();
      } catch (IOException e) {
        // Already closed by a dead worker.
      }
    }
  }

  /**
   * Kills the child of a call in flight from a thread of its own: the reader, which finds the child
   * misbehaving, must never wait on a write to the worker image.
   */
  private void cancelSoon(long callId) {
    Thread canceller = new Thread(() -> cancel(callId), "isolate-worker-" + pid() + "-cancel");
    canceller.setDaemon(true);
    canceller.start();
  }

  /**
   * Checks that the worker image does its job: a ready one that has sent nothing for {@link
   * #UNRESPONSIVE_NANOS}, or has not ended a call {@link #DEADLINE_GRACE_NANOS} past its timeout,
   * is killed, and its calls end. Called by the isolator's watchdog; never blocks.
   */
  public void watch(long now) {
    if (dead || !ready.isDone()) {
      return;
    }
    for (InFlightCall call : inFlight.values()) {
      if (call.deadline != 0 && now - call.deadline - DEADLINE_GRACE_NANOS > 0) {
        if (inFlight.remove(call.callId, call)) {
          call.endPastDeadline((int) pid());
        }
        kill(
            "had not ended call "
                + call.callId
                + " "
                + DEADLINE_GRACE_NANOS / 1_000_000
                + " ms past its timeout");
      }
    }
    if (now - lastFrameAt > UNRESPONSIVE_NANOS) {
      kill(
          "sent nothing, not even its heartbeat, for "
              + (now - lastFrameAt) / 1_000_000
              + " ms (stopped or wedged)");
    }
  }

  /**
   * Kills the worker image, saying why; its calls in flight end as {@link CallOutcome.WorkerDied}.
   */
  private void kill(String why) {
    if (killedBecause == null) {
      killedBecause = why;
    }
    process.destroyForcibly();
  }

  @Override
  public void ready(int workerPid) {
    lastFrameAt = System.nanoTime();
    ready.complete(workerPid);
  }

  @Override
  public void preamble(byte[] bytes, int offset, int length) {
    stderr.append(bytes, offset, length);
  }

  @Override
  public void frame(Frame frame) {
    lastFrameAt = System.nanoTime();
    if (frame instanceof WorkerFrame.Preloading preloading) {
      if (preloads.preloading(preloading)) {
        retire();
      }
      return;
    }
    preloads.otherFrame();
    boolean last = frame instanceof WorkerFrame.Exited || frame instanceof WorkerFrame.Failed;
    InFlightCall call = last ? inFlight.remove(frame.callId()) : inFlight.get(frame.callId());
    if (call == null) {
      return;
    }
    if (frame instanceof WorkerFrame.Started started) {
      call.started(started.childPid());
      heapUsedBytes = (started.workerHeapUsedKiB() & 0xFFFF_FFFFL) << 10;
    } else if (frame instanceof WorkerFrame.Stream stream) {
      if (call.stream(stream)) {
        // The child wrote what no child of this library writes: it is killed, and the call then
        // ends as usual, with what it wrote.
        cancelSoon(call.callId);
      }
    } else if (frame instanceof WorkerFrame.OutputEnded ended) {
      // Before the outcome is told: the caller's next call then tells the worker image.
      if (call.learnFor != null) {
        learning.learned(call.learnFor, call.result.learned());
      }
      call.outputEnded(ended);
    } else if (frame instanceof WorkerFrame.Exited exited) {
      call.droppedElsewhere(exited.stdoutDropped(), exited.stderrDropped());
      call.end(CallOutcome.ChildExited.of(exited, call.elapsedNanos(), call.result, call.output()));
      closeInputIfIdle();
    } else if (frame instanceof WorkerFrame.Failed failed) {
      call.end(CallOutcome.WorkerFailed.of(failed, call.output()));
      closeInputIfIdle();
    }
  }

  /** Whether a class it initialized ahead broke fork safety. */
  public boolean tainted() {
    return preloads.tainted();
  }

  @Override
  public void ended(String why) {
    preloads.ended();
    // Read before dead is set: a caller that sees the worker dead may close it, and a worker that
    // died on its own must not be described as stopped.
    boolean stoppedByClose = stopRequested;
    dead = true;
    if (why != null) {
      // It sent what the protocol does not allow: it is no longer believed, and goes at once.
      kill("sent what the protocol does not allow (" + why + ")");
    }
    String description;
    try {
      if (process.waitFor(5, TimeUnit.SECONDS)) {
        description = WorkerLaunch.describeExit(process.exitValue());
      } else {
        description = "stopped answering (its protocol pipe closed but the process still runs)";
        process.destroyForcibly();
      }
      if (killedBecause != null) {
        description = killedBecause + ", and was killed";
      }
      stderr.awaitEnd(2000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      description = "ended (interrupted while waiting for its exit status)";
    }
    howItEnded = stoppedByClose ? "was stopped because its Isolator was closed" : description;
    ready.completeExceptionally(new IllegalStateException(howItEnded));
    ProcessGroups.killAll(inFlight.values());
    for (InFlightCall call : new ArrayList<>(inFlight.values())) {
      inFlight.remove(call.callId);
      call.end(
          new CallOutcome.WorkerDied(
              pid(), howItEnded + stderr.suffix(), call.childPid, call.output()));
    }
  }

  /**
   * Stops the worker image: closing its input makes it kill its children and exit; past {@code
   * grace} it is killed. Calls in flight end as {@link CallOutcome.WorkerDied}.
   */
  public void close(Duration grace) {
    stopRequested = true;
    synchronized (calls) {
      retiring = true;
      inputClosed = true;
    }
    closeInput();
    try {
      if (!process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
        process.destroyForcibly();
        process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS);
      }
      reader.join(grace.toMillis());
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }
}
