package dev.isolate;

import dev.isolate.internal.host.ClassLearning;
import dev.isolate.internal.host.InheritedOptions;
import dev.isolate.internal.host.PluginLoaders;
import dev.isolate.internal.host.WorkerClassPath;
import dev.isolate.internal.jfr.WarmUpRefusedEvent;
import dev.isolate.internal.outcome.CrashFiles;
import dev.isolate.internal.outcome.ResultPolicy;
import dev.isolate.internal.wire.CallLimits;
import java.lang.management.ManagementFactory;
import java.lang.module.ModuleFinder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The engine of an isolator in an ordinary JVM: each call runs in a child of a worker image that it
 * launches with the caller's {@code java}, classes and JVM settings, admitted in turn by {@link
 * Admission} and sent by {@link RealCall}.
 */
final class ForkingEngine implements Engine {
  private final Admission admission;
  private final WorkerSupervisor workers;
  private final CrashFiles crashFiles;
  private final RealCall.Context context;

  ForkingEngine(IsolatorSettings settings) {
    Path work = settings.createDirectories();
    Path crashDirectory = settings.crashDirectory() != null ? settings.crashDirectory() : work;
    ClassLoader contextLoader = Thread.currentThread().getContextClassLoader();
    ClassLoader loader = contextLoader != null ? contextLoader : Isolator.class.getClassLoader();
    List<ClassLoader> loaders = new ArrayList<>();
    loaders.add(Isolator.class.getClassLoader());
    if (contextLoader != null) {
      loaders.add(contextLoader);
    }
    WorkerClassPath classPath = WorkerClassPath.of(loaders, settings.classPath());
    List<String> inherited =
        settings.inheritJvmOptions()
            ? InheritedOptions.of(
                ManagementFactory.getRuntimeMXBean().getInputArguments(),
                System.getProperties(),
                module -> ModuleFinder.ofSystem().find(module).isPresent())
            : List.of();
    this.admission = new Admission(settings.maxConcurrentCalls(), settings.maxQueuedCalls());
    this.crashFiles = new CrashFiles(crashDirectory, settings.keepCrashReports());
    ClassLearning learning = new ClassLearning(settings.learnClasses(), ForkingEngine::refused);
    this.workers =
        new WorkerSupervisor(settings, work, crashDirectory, classPath, inherited, learning);
    CallerCodec codec =
        new CallerCodec(
            loader, ResultPolicy.of(settings.resultFilter(), settings.maxResultBytes()));
    this.context =
        new RealCall.Context(
            admission,
            workers,
            codec,
            crashFiles,
            new PluginLoaders(classPath, work),
            learning,
            settings.listener(),
            new AtomicLong(1));
  }

  @Override
  public Object execute(IsolatedCallable<?> callable, CallLimits limits)
      throws MemIsolateException {
    Objects.requireNonNull(callable, "callable");
    workers.checkOpen();
    RealCall call = RealCall.of(context, callable, limits);
    admission.admit(call, false, true);
    return call.await();
  }

  @Override
  public <T> CompletableFuture<T> submit(IsolatedCallable<T> callable, CallLimits limits) {
    Objects.requireNonNull(callable, "callable");
    workers.checkOpen();
    RealCall call;
    try {
      call = RealCall.of(context, callable, limits);
    } catch (MemIsolateException e) {
      return CompletableFuture.failedFuture(e);
    }
    CompletableFuture<T> result = call.future();
    // Sent from the caller's thread only when that cannot wait for a worker image to start.
    admission.admit(call, false, workers.readyNow());
    return result;
  }

  @Override
  public void close() {
    admission.close();
    workers.close();
    crashFiles.prune();
  }

  /**
   * A class a worker image refused to initialize ahead: said once on standard error, and as a JFR
   * event, because the call itself goes on unharmed (each child initializes the class as before).
   */
  private static void refused(String className, String rule) {
    System.err.println(
        "[isolate] "
            + className
            + " is not initialized ahead in the worker image: its static initializer "
            + rule
            + ", which a worker image must not (it forks its children); each child initializes"
            + " it itself, as without learning, and the worker image was replaced");
    WarmUpRefusedEvent event = new WarmUpRefusedEvent();
    event.className = className;
    event.rule = rule;
    event.commit();
  }

  Path crashDirectory() {
    return crashFiles.directory();
  }

  WorkerSupervisor workers() {
    return workers;
  }
}
