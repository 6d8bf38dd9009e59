package dev.isolate.internal.host;

import dev.isolate.internal.wire.Bytes;
import dev.isolate.internal.wire.Frames;
import dev.isolate.internal.wire.ResultStream;
import dev.isolate.internal.wire.WorkerStep;
import dev.isolate.posix.Signals;
import dev.isolate.posix.WaitStatus;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * One running worker image, seen from the caller: its process, the thread that reads its frames,
 * the thread that drains its standard error, and the calls in flight.
 */
public final class WorkerProcess {
  private final Process process;
  private final OutputStream toWorker;
  private final DataInputStream fromWorker;

  /**
   * How many shapes (classes, lambdas) one worker image prepares at most: each costs it heap that
   * is never collected, and a caller that makes a new class per call must not fill it.
   */
  private static final int MAX_SHAPES = 10_000;

  private final Map<Long, PendingCall> pending = new ConcurrentHashMap<>();

  /** Shapes sent in a PREPARE frame. Written under the toWorker lock. */
  private final Set<String> announced = ConcurrentHashMap.newKeySet();

  private final CompletableFuture<Integer> ready = new CompletableFuture<>();
  private final OutputCapture workerStderr;
  private final boolean forwardChildOutput;
  private final Thread reader;
  private final Thread stderrPump;
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
   * Set under calls.
   */
  private volatile boolean retiring;

  /** Guarded by calls. */
  private boolean inputClosed;

  private volatile long heapUsedBytes;

  /** Written under calls. */
  private volatile long callsTaken;

  private volatile String howItEnded;

  private WorkerProcess(Process process, boolean forwardChildOutput) {
    this.process = process;
    this.forwardChildOutput = forwardChildOutput;
    this.toWorker = process.getOutputStream();
    this.fromWorker =
        new DataInputStream(new BufferedInputStream(process.getInputStream(), 128 * 1024));
    this.workerStderr = new OutputCapture(System.err, "[isolate worker " + process.pid() + "] ");
    this.reader = new Thread(this::readFrames, "isolate-worker-" + process.pid() + "-frames");
    this.stderrPump = new Thread(this::pumpStderr, "isolate-worker-" + process.pid() + "-stderr");
    reader.setDaemon(true);
    stderrPump.setDaemon(true);
  }

  /** Starts {@code command}; the worker image then warms up on its own, see {@link #awaitReady}. */
  public static WorkerProcess start(List<String> command, boolean forwardChildOutput)
      throws IOException {
    Process process = new ProcessBuilder(command).start();
    WorkerProcess worker = new WorkerProcess(process, forwardChildOutput);
    worker.reader.start();
    worker.stderrPump.start();
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
              + stderrSuffix());
    }
    return new WorkerStartException(
        "the worker image (pid "
            + pid()
            + ") was not ready after "
            + waited.toMillis()
            + " ms and was stopped"
            + stderrSuffix());
  }

  private String stderrSuffix() {
    String tail = workerStderr.tail().strip();
    return tail.isEmpty() ? "; it wrote nothing to stderr" : "; its stderr said:\n" + tail;
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
   * Sends a call. The future completes, never exceptionally, with the call's outcome: as soon as
   * the child has written its whole value and ended its output, or else when the worker image
   * reports how the child ended. {@code finished} runs once, when the call no longer occupies a
   * child: its value has arrived (the child only exits after that), or the child was reaped, or
   * never forked. {@code ended} then gets the last word on the call: how its child ended, or why
   * there was none.
   *
   * @return null if this worker image is retiring: the caller sends the call to its successor
   */
  public CompletableFuture<CallOutcome> call(
      long callId,
      CallLimits limits,
      byte[] callable,
      Set<String> shapes,
      Runnable finished,
      Consumer<CallOutcome> ended) {
    PendingCall call = new PendingCall(callId, forwardChildOutput, finished, ended);
    byte[] header = new byte[Frames.HEADER + Frames.CALL_LIMITS];
    Frames.putHeader(header, 0, Frames.CALL, callId, Frames.CALL_LIMITS + callable.length);
    Bytes.putLong(header, Frames.HEADER, limits.timeoutNanos());
    Bytes.putLong(header, Frames.HEADER + 8, limits.nativeMemoryBytes());
    Bytes.putLong(header, Frames.HEADER + 16, limits.cpuSeconds());
    synchronized (calls) {
      if (retiring) {
        return null;
      }
      pending.put(callId, call);
      callsTaken++;
    }
    if (dead) {
      pending.remove(callId);
      call.end(new CallOutcome.NotDelivered(pid(), "the worker image " + howItEnded));
      return call.future;
    }
    try {
      synchronized (toWorker) {
        List<String> unannounced = unannounced(shapes);
        if (!unannounced.isEmpty()) {
          toWorker.write(Frames.stringsFrame(Frames.PREPARE, 0, unannounced));
          announced.addAll(unannounced);
        }
        toWorker.write(header);
        toWorker.write(callable);
        toWorker.flush();
      }
    } catch (IOException e) {
      pending.remove(callId);
      call.end(
          new CallOutcome.NotDelivered(
              pid(), "the call could not be written to the worker image: " + e.getMessage()));
      closeInputIfIdle();
    }
    return call.future;
  }

  /**
   * The shapes this worker image has not been told to prepare, at most {@link #MAX_SHAPES} in all.
   */
  private List<String> unannounced(Set<String> shapes) {
    List<String> unannounced = List.of();
    for (String shape : shapes) {
      if (!announced.contains(shape) && announced.size() + unannounced.size() < MAX_SHAPES) {
        if (unannounced.isEmpty()) {
          unannounced = new ArrayList<>();
        }
        unannounced.add(shape);
      }
    }
    return unannounced;
  }

  /**
   * Asks the worker image to kill the child of a call in flight; its outcome still arrives, with
   * {@link CallOutcome.ChildExited#killedOnCancel()}. Nothing happens for a call that has ended.
   */
  public void cancel(long callId) {
    synchronized (calls) {
      if (inputClosed || !pending.containsKey(callId)) {
        return;
      }
    }
    byte[] frame = new byte[Frames.HEADER];
    Frames.putHeader(frame, 0, Frames.CANCEL, callId, 0);
    try {
      synchronized (toWorker) {
        toWorker.write(frame);
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
      if (!retiring || inputClosed || !pending.isEmpty()) {
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

  private void readFrames() {
    try {
      skipToMagic();
      while (true) {
        int length = fromWorker.readInt();
        byte type = fromWorker.readByte();
        long callId = fromWorker.readLong();
        byte[] payload = new byte[length - 9];
        fromWorker.readFully(payload);
        dispatch(type, callId, payload);
      }
    } catch (IOException | RuntimeException e) {
      workerEnded();
    }
  }

  private void skipToMagic() throws IOException {
    int matched = 0;
    while (matched < Frames.MAGIC.length) {
      int b = fromWorker.read();
      if (b < 0) {
        throw new java.io.EOFException();
      }
      if (b == Frames.MAGIC[matched]) {
        matched++;
      } else {
        // Something the JVM printed before the worker took over standard output: keep it as stderr.
        workerStderr.append(Frames.MAGIC, 0, matched);
        workerStderr.append(new byte[] {(byte) b}, 0, 1);
        matched = 0;
      }
    }
  }

  private void dispatch(byte type, long callId, byte[] payload) {
    if (type == Frames.READY) {
      ready.complete(Bytes.getInt(payload, 0));
      return;
    }
    PendingCall call =
        type == Frames.EXITED || type == Frames.FAILED
            ? pending.remove(callId)
            : pending.get(callId);
    if (call == null) {
      return;
    }
    switch (type) {
      case Frames.STARTED -> {
        call.started(Bytes.getInt(payload, 0));
        heapUsedBytes = (Bytes.getInt(payload, 4) & 0xFFFF_FFFFL) << 10;
      }
      case Frames.RESULT -> call.resultChunks.add(payload);
      case Frames.STDOUT -> call.stdout.append(payload, 0, payload.length);
      case Frames.STDERR -> call.stderr.append(payload, 0, payload.length);
      case Frames.OUTPUT_ENDED -> {
        ResultStream result = ResultStream.parse(call.resultChunks);
        if (result.valueComplete()) {
          call.future.complete(
              new CallOutcome.ValueWritten(
                  call.childPid, System.nanoTime() - call.sentAt, result, call.finishOutput()));
          call.finished();
        }
      }
      case Frames.EXITED -> {
        int flags = Bytes.getInt(payload, 8);
        call.end(
            new CallOutcome.ChildExited(
                Bytes.getInt(payload, 0),
                new WaitStatus(Bytes.getInt(payload, 4)),
                flags,
                System.nanoTime() - call.sentAt,
                new CallOutcome.Usage(Bytes.getInt(payload, 12), Bytes.getInt(payload, 16)),
                call.resultChunks,
                call.finishOutput()));
        closeInputIfIdle();
      }
      case Frames.FAILED -> {
        int status = Bytes.getInt(payload, 12);
        call.end(
            new CallOutcome.WorkerFailed(
                WorkerStep.ofCode(Bytes.getInt(payload, 0)),
                Bytes.getInt(payload, 4),
                Bytes.getInt(payload, 8),
                status == -1 ? Optional.empty() : Optional.of(new WaitStatus(status)),
                Bytes.getInt(payload, 16),
                call.finishOutput()));
        closeInputIfIdle();
      }
      default -> {
        // Unknown frame types are ignored, so that a newer worker can add some.
      }
    }
  }

  private void workerEnded() {
    // Read before dead is set: a caller that sees the worker dead may close it, and a worker that
    // died on its own must not be described as stopped.
    boolean stoppedByClose = stopRequested;
    dead = true;
    String description;
    try {
      if (process.waitFor(5, TimeUnit.SECONDS)) {
        description = describeExit(process.exitValue());
      } else {
        description = "stopped answering (its protocol pipe closed but the process still runs)";
        process.destroyForcibly();
      }
      stderrPump.join(2000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      description = "ended (interrupted while waiting for its exit status)";
    }
    howItEnded = stoppedByClose ? "was stopped because its Isolator was closed" : description;
    ready.completeExceptionally(new IllegalStateException(howItEnded));
    for (PendingCall call : new ArrayList<>(pending.values())) {
      pending.remove(call.callId);
      call.end(
          new CallOutcome.WorkerDied(
              pid(), howItEnded + stderrSuffix(), call.childPid, call.finishOutput()));
    }
  }

  private static String describeExit(int exitValue) {
    // Process.exitValue() reports a process ended by signal N as 128 + N.
    if (exitValue > 128 && exitValue < 128 + 65) {
      return "was killed by " + Signals.name(exitValue - 128);
    }
    return "exited with status " + exitValue;
  }

  private void pumpStderr() {
    byte[] buffer = new byte[8192];
    try (InputStream errors = process.getErrorStream()) {
      int n;
      while ((n = errors.read(buffer)) > 0) {
        workerStderr.append(buffer, 0, n);
      }
    } catch (IOException e) {
      // The worker is gone; what was read is kept.
    } finally {
      workerStderr.finish();
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

  /** A call in flight. */
  private static final class PendingCall {
    final long callId;
    final long sentAt = System.nanoTime();
    final CompletableFuture<CallOutcome> future = new CompletableFuture<>();
    final List<byte[]> resultChunks = new ArrayList<>();
    final OutputCapture stdout;
    final OutputCapture stderr;
    private final Runnable finished;
    private final Consumer<CallOutcome> ended;
    private final AtomicBoolean finishedOnce = new AtomicBoolean();
    volatile int childPid;

    PendingCall(long callId, boolean forward, Runnable finished, Consumer<CallOutcome> ended) {
      this.callId = callId;
      this.finished = finished;
      this.ended = ended;
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

    /** The child is gone (or was never forked): the outcome, unless the value came first. */
    void end(CallOutcome outcome) {
      future.complete(outcome);
      finished();
      ended.accept(outcome);
    }

    void finished() {
      if (finishedOnce.compareAndSet(false, true)) {
        finished.run();
      }
    }

    ChildOutput finishOutput() {
      stdout.finish();
      stderr.finish();
      return new ChildOutput(stdout.tail(), stderr.tail());
    }
  }
}
