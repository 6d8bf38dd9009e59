package dev.isolate.junit;

import dev.isolate.Isolator;
import dev.isolate.Sandbox;
import dev.isolate.junit.IsolationSettings.IsolatorKey;
import java.io.ObjectInputFilter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The isolators of one test run, one per {@link IsolatorKey}, kept in the root context's store so
 * that JUnit closes them (and stops their worker images) when the run ends.
 *
 * <p>It is both a {@code CloseableResource} and an {@link AutoCloseable} because JUnit 5.10 to 5.12
 * close only the former and 5.13 onwards close the latter (and deprecate the former; JUnit 6 still
 * has it). Either way it is closed once: {@link #close} is idempotent.
 */
// CloseableResource is deprecated since JUnit 5.13, but it is the only kind of stored value that
// 5.10 to 5.12 close at the end of the run.
@SuppressWarnings("deprecation")
final class RunIsolators implements ExtensionContext.Store.CloseableResource, AutoCloseable {
  /**
   * A failed assertion of JUnit, AssertJ or Hamcrest comes back as its own class with its message
   * (which holds the expected and actual values), so that build tools report it as a failure, not
   * an error; an exception of a class the default filter does not allow comes back as a {@link
   * dev.isolate.RemoteThrowable}, with its class name, message and stack.
   */
  private static final ObjectInputFilter TEST_FRAMEWORK_EXCEPTIONS =
      ObjectInputFilter.Config.createFilter(
          "org.opentest4j.**;org.junit.**;org.assertj.**;org.hamcrest.**");

  private static final ExtensionContext.Namespace NAMESPACE =
      ExtensionContext.Namespace.create(RunIsolators.class);

  /**
   * Guards the root store's get-then-put: {@code getOrComputeIfAbsent} is deprecated in JUnit 6 and
   * its replacement, {@code computeIfAbsent}, does not exist in JUnit 5.
   */
  private static final Object STORE_LOCK = new Object();

  private final Map<IsolatorKey, Isolator> isolators = new LinkedHashMap<>();
  private boolean closed;

  private RunIsolators() {}

  /** The isolators of the run that {@code context} belongs to. */
  static RunIsolators of(ExtensionContext context) {
    ExtensionContext.Store store = context.getRoot().getStore(NAMESPACE);
    synchronized (STORE_LOCK) {
      RunIsolators run = store.get(RunIsolators.class, RunIsolators.class);
      if (run == null) {
        run = new RunIsolators();
        store.put(RunIsolators.class, run);
      }
      return run;
    }
  }

  /**
   * The isolator for {@code settings}, built on first use.
   *
   * @throws ExtensionConfigurationException if the annotation's heap or options are refused
   */
  synchronized Isolator isolator(IsolationSettings settings) {
    if (closed) {
      throw new IllegalStateException("the test run's isolators are closed: the run has ended");
    }
    IsolatorKey key = settings.isolator();
    Isolator isolator = isolators.get(key);
    if (isolator == null) {
      isolator = build(key, settings);
      isolators.put(key, isolator);
    }
    return isolator;
  }

  private static Isolator build(IsolatorKey key, IsolationSettings settings) {
    try {
      Isolator.Builder builder = Isolator.builder().resultFilter(TEST_FRAMEWORK_EXCEPTIONS);
      if (key.maxHeapMebibytes() > 0) {
        builder.maxHeapBytes(key.maxHeapMebibytes() << 20);
      }
      if (!key.jvmOptions().isEmpty()) {
        builder.jvmOptions(key.jvmOptions());
      }
      if (!key.sandbox().none()) {
        builder.sandbox(sandbox(key.sandbox()));
      }
      return builder.build();
    } catch (IllegalArgumentException | IllegalStateException e) {
      throw new ExtensionConfigurationException(
          "@ProcessIsolated on " + settings.where() + " is refused: " + e.getMessage(), e);
    }
  }

  /** Closes every isolator of the run, once; the first failure is thrown after all are closed. */
  @Override
  public void close() {
    List<Isolator> toClose;
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      toClose = new ArrayList<>(isolators.values());
      isolators.clear();
    }
    RuntimeException failure = null;
    for (Isolator isolator : toClose) {
      try {
        isolator.close();
      } catch (RuntimeException e) {
        if (failure == null) {
          failure = e;
        } else {
          failure.addSuppressed(e);
        }
      }
    }
    if (failure != null) {
      throw failure;
    }
  }

  private static Sandbox sandbox(IsolationSettings.SandboxKey key) {
    Sandbox.Builder sandbox = Sandbox.builder();
    if (key.denyNetwork()) {
      sandbox.denyNetwork();
    }
    if (key.denyExec()) {
      sandbox.denyExec();
    }
    if (key.readOnlyFileSystem()) {
      sandbox.readOnlyFileSystem(key.writablePaths().stream().map(Path::of).toArray(Path[]::new));
    }
    return sandbox.build();
  }
}
