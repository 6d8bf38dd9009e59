package dev.isolate;

import dev.isolate.internal.host.ClassLearning;
import dev.isolate.internal.host.WorkerClassPath;
import dev.isolate.internal.host.WorkerLaunch;
import dev.isolate.internal.host.WorkerProcess;
import dev.isolate.internal.host.WorkerStartException;
import dev.isolate.internal.outcome.Failure;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The worker images of one isolator: starts the first in the background, hands out the one that
 * serves, replaces one that died, starts a successor before the heap of the serving one (never
 * collected) runs out and retires the old one once the successor is warm, and spaces out new starts
 * after repeated start failures rather than launching a JVM on every call.
 */
final class WorkerSupervisor {
  private static final Duration CLOSE_GRACE = Duration.ofSeconds(5);

  /** Start failures in a row after which new attempts are spaced out. */
  private static final int START_FAILURES_BEFORE_BACKOFF = 3;

  private static final Duration MAX_START_BACKOFF = Duration.ofMinutes(1);

  /**
   * Supervisors not closed yet: an isolator that is never closed (a {@code static final} one) still
   * leaves no files behind when the JVM exits. Its worker images exit by themselves then.
   */
  private static final Set<WorkerSupervisor> OPEN = ConcurrentHashMap.newKeySet();

  static {
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> OPEN.forEach(WorkerSupervisor::deleteWorkFiles), "isolate-work-files"));
  }

  /** How often the watchdog looks at the worker images: the slack on a caller-kept deadline. */
  private static final long WATCH_MILLIS = 100;

  private final IsolatorSettings settings;
  private final Path workDirectory;
  private final Path crashDirectory;
  private final AtomicInteger launched = new AtomicInteger();

  /** Guards everything below; held while waiting for a worker image to start. */
  private final Object lock = new Object();

  private Path agentJar;

  private final WorkerClassPath classPath;

  /** The class path's entries as files: copied once, on the first launch. */
  private List<Path> classPathFiles;

  private final List<String> inheritedOptions;
  private final ClassLearning learning;

  /** The worker image that takes new calls. Written under lock; read without it as a hint. */
  private volatile WorkerProcess serving;

  /** Started in the background to take over before the serving one's heap runs out. */
  private WorkerProcess successor;

  private long successorLaunchedAt;

  /** Every worker image not known to have exited: what the watchdog looks at. */
  private final Set<WorkerProcess> watched = ConcurrentHashMap.newKeySet();

  /** Replaced worker images finishing their calls in flight; stopped by close(). */
  private final List<WorkerProcess> retired = new ArrayList<>();

  private WorkerStartException startFailure;
  private int startFailuresInARow;
  private String lastStartFailure = "";
  private long noStartBefore;
  private volatile boolean closed;

  /**
   * Keeps, from the caller's side, what the worker images are to keep: each call's deadline, and a
   * heartbeat. A worker image that is stopped, wedged or taken over cannot hold a call past them:
   * it is killed, and its calls end.
   */
  private final ScheduledExecutorService watchdog =
      Executors.newSingleThreadScheduledExecutor(
          runnable -> {
            Thread thread = new Thread(runnable, "isolate-watchdog");
            thread.setDaemon(true);
            return thread;
          });

  WorkerSupervisor(
      IsolatorSettings settings,
      Path workDirectory,
      Path crashDirectory,
      WorkerClassPath classPath,
      List<String> inheritedOptions,
      ClassLearning learning) {
    this.settings = settings;
    this.workDirectory = workDirectory;
    this.crashDirectory = crashDirectory;
    this.classPath = classPath;
    this.inheritedOptions = inheritedOptions;
    this.learning = learning;
    OPEN.add(this);
    watchdog.scheduleWithFixedDelay(this::watch, WATCH_MILLIS, WATCH_MILLIS, TimeUnit.MILLISECONDS);
    synchronized (lock) {
      try {
        serving = launch();
      } catch (WorkerStartException e) {
        startFailure = e;
      }
    }
  }

  /** Whether the serving worker image is warm, so that a call sent now waits for nothing. */
  boolean readyNow() {
    WorkerProcess worker = serving;
    return worker != null && worker.ready();
  }

  /**
   * The worker image, started and warm; a dead one is replaced, a full one recycled.
   *
   * @throws IllegalStateException if the isolator is closed
   * @throws CallableDidNotExecuteException if no worker image could be started, or the waiting
   *     thread was interrupted
   */
  WorkerProcess ready() throws CallableDidNotExecuteException {
    synchronized (lock) {
      checkOpen();
      retired.removeIf(WorkerProcess::exited);
      adoptSuccessorIfReady();
      if (serving != null && serving.tainted()) {
        // It no longer forks; it exits once idle, and a new worker image takes the calls.
        retired.add(serving);
        serving = null;
      }
      if (serving == null || !serving.alive()) {
        replaceDead();
      }
      try {
        serving.awaitReady(settings.startTimeout());
        startFailuresInARow = 0;
      } catch (WorkerStartException e) {
        serving = null;
        throw startFailed(e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw (CallableDidNotExecuteException)
            MemIsolateException.of(
                new Failure(
                    Reason.WORKER_UNAVAILABLE,
                    "interrupted while waiting for the worker image (pid "
                        + serving.pid()
                        + ") to start; the callable did not run"));
      }
      if (serving.heapUsedBytes() >= settings.recycleAtHeapBytes()
          || serving.callsTaken() >= settings.recycleAfterCalls()) {
        recycle();
      }
      return serving;
    }
  }

  void checkOpen() {
    if (closed) {
      throw new IllegalStateException("this Isolator is closed; build a new one");
    }
  }

  boolean closed() {
    return closed;
  }

  private void replaceDead() throws CallableDidNotExecuteException {
    if (serving != null) {
      WorkerProcess dead = serving;
      serving = null;
      dead.close(CLOSE_GRACE);
      if (dead.failedToStart()) {
        // It died before it was ready: that is this call's answer, not a reason to start another.
        throw startFailed(dead.startFailure(settings.startTimeout()));
      }
    }
    if (successor != null) {
      serving = successor;
      successor = null;
      return;
    }
    if (startFailure == null
        && startFailuresInARow >= START_FAILURES_BEFORE_BACKOFF
        && System.nanoTime() - noStartBefore < 0) {
      throw (CallableDidNotExecuteException)
          MemIsolateException.of(
              new Failure(
                  Reason.WORKER_START_FAILED,
                  "the worker image failed to start "
                      + startFailuresInARow
                      + " times in a row; the next attempt is in "
                      + (noStartBefore - System.nanoTime()) / 1_000_000
                      + " ms; last failure: "
                      + lastStartFailure
                      + "; the callable did not run"));
    }
    try {
      if (startFailure != null) {
        throw startFailure;
      }
      serving = launch();
    } catch (WorkerStartException e) {
      throw startFailed(e);
    } finally {
      startFailure = null;
    }
  }

  private CallableDidNotExecuteException startFailed(WorkerStartException e) {
    startFailuresInARow++;
    lastStartFailure = e.getMessage();
    if (startFailuresInARow >= START_FAILURES_BEFORE_BACKOFF) {
      long backoffMillis =
          Math.min(
              MAX_START_BACKOFF.toMillis(),
              1000L << Math.min(20, startFailuresInARow - START_FAILURES_BEFORE_BACKOFF));
      noStartBefore = System.nanoTime() + backoffMillis * 1_000_000;
    }
    return (CallableDidNotExecuteException)
        MemIsolateException.of(
            new Failure(Reason.WORKER_START_FAILED, e.getMessage() + "; the callable did not run")
                .cause(e.getCause()));
  }

  /**
   * The worker image has served long enough, or its heap is filling up: start a successor in the
   * background, or, once the heap is at the point where a child's budget is no longer guaranteed,
   * wait for the successor.
   */
  private void recycle() {
    if (successor == null) {
      if (System.nanoTime() - noStartBefore < 0) {
        return;
      }
      try {
        successor = launch();
        successorLaunchedAt = System.nanoTime();
      } catch (WorkerStartException e) {
        startFailed(e);
      }
      return;
    }
    if (serving.heapUsedBytes()
        >= settings.recycleAtHeapBytes() + IsolatorSettings.WORKER_HEAP_RESERVE / 4) {
      try {
        successor.awaitReady(settings.startTimeout());
        adoptSuccessorIfReady();
      } catch (WorkerStartException e) {
        successor = null;
        startFailed(e);
      } catch (InterruptedException e) {
        // The caller's thread was interrupted: serve this call from the old worker image.
        Thread.currentThread().interrupt();
      }
    }
  }

  /** Lets a warm successor take new calls; the old one finishes its calls in flight and exits. */
  private void adoptSuccessorIfReady() {
    if (successor == null) {
      return;
    }
    if (successor.ready()) {
      if (serving != null) {
        serving.retire();
        retired.add(serving);
      }
      serving = successor;
      successor = null;
    } else {
      long waited = System.nanoTime() - successorLaunchedAt;
      if (successor.failedToStart() || waited > settings.startTimeout().toNanos()) {
        WorkerProcess failed = successor;
        successor = null;
        failed.close(CLOSE_GRACE);
        startFailed(failed.startFailure(Duration.ofNanos(waited)));
      }
    }
  }

  /** Starts a worker image process without waiting for it to warm up. */
  private WorkerProcess launch() throws WorkerStartException {
    try {
      if (agentJar == null) {
        agentJar = WorkerLaunch.writeAgentJar(workDirectory);
      }
      if (classPathFiles == null) {
        classPathFiles = classPath.materialize(workDirectory);
      }
      List<String> command =
          WorkerLaunch.command(
              workDirectory,
              agentJar,
              crashDirectory,
              settings.workerHeapBytes(),
              inheritedOptions,
              settings.jvmOptions(),
              classPathFiles,
              settings.workerMainClass(),
              settings.workerArguments());
      launched.incrementAndGet();
      WorkerProcess worker =
          WorkerProcess.start(
              WorkerLaunch.processOf(command),
              settings.worker(learning.refusedNames(), crashDirectory),
              settings.forwardChildOutput(),
              learning);
      watched.removeIf(WorkerProcess::exited);
      watched.add(worker);
      return worker;
    } catch (IOException e) {
      throw new WorkerStartException("could not start the worker image: " + e.getMessage(), e);
    }
  }

  /** One look at every worker image; never blocks (it does not take {@link #lock}). */
  private void watch() {
    long now = System.nanoTime();
    try {
      for (WorkerProcess worker : watched) {
        worker.watch(now);
      }
    } catch (RuntimeException e) {
      // A watchdog that dies keeps nothing: report and go on.
      Thread current = Thread.currentThread();
      current.getUncaughtExceptionHandler().uncaughtException(current, e);
    }
  }

  /** Stops every worker image, which kills their children; idempotent. */
  void close() {
    List<WorkerProcess> stopping = new ArrayList<>();
    synchronized (lock) {
      if (closed) {
        return;
      }
      closed = true;
      stopping.add(serving);
      stopping.add(successor);
      stopping.addAll(retired);
      serving = null;
      successor = null;
      retired.clear();
    }
    for (WorkerProcess process : stopping) {
      if (process != null) {
        process.close(CLOSE_GRACE);
      }
    }
    watchdog.shutdownNow();
    watched.clear();
    deleteWorkFiles();
    OPEN.remove(this);
  }

  /**
   * Removes the files of the worker images (the agent jar, the options file, the class path's
   * copies), and the work directory unless crash reports are kept in it.
   */
  private void deleteWorkFiles() {
    try {
      try (DirectoryStream<Path> files =
          Files.newDirectoryStream(workDirectory, WorkerLaunch.WORK_FILES_GLOB)) {
        for (Path file : files) {
          Files.deleteIfExists(file);
        }
      }
      try (DirectoryStream<Path> left = Files.newDirectoryStream(workDirectory)) {
        if (!left.iterator().hasNext()) {
          Files.delete(workDirectory);
        }
      }
    } catch (IOException e) {
      // A temporary directory left behind is harmless; the caller's work is done.
    }
  }

  /** The serving worker image's pid, if one runs; for tests and diagnostics. */
  long workerPid() {
    synchronized (lock) {
      return serving == null ? -1 : serving.pid();
    }
  }

  /** The serving worker image's heap in use at its last fork; for tests and diagnostics. */
  long workerHeapUsedBytes() {
    synchronized (lock) {
      return serving == null ? -1 : serving.heapUsedBytes();
    }
  }

  /** How many worker image processes were started; for tests and diagnostics. */
  int launched() {
    return launched.get();
  }
}
