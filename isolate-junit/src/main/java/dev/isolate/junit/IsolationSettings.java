package dev.isolate.junit;

import java.lang.reflect.AnnotatedElement;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.platform.commons.support.AnnotationSupport;

/**
 * What the nearest {@link ProcessIsolated} (or deprecated {@link Isolated}) asks of one test.
 *
 * @param timeoutMillis the wall-clock limit of the body, 0 for none
 * @param isolator which run-wide isolator runs it
 * @param where the element the annotation was found on, for messages
 */
record IsolationSettings(long timeoutMillis, IsolatorKey isolator, AnnotatedElement where) {

  /**
   * The settings of one run-wide isolator: tests that ask for the same heap and options share one.
   *
   * @param maxHeapMebibytes the child's heap, 0 for the isolate default
   * @param jvmOptions extra options of the worker image, in their order
   * @param sandbox what the child is denied
   */
  record IsolatorKey(long maxHeapMebibytes, List<String> jvmOptions, SandboxKey sandbox) {}

  /**
   * The sandbox the annotation asks for.
   *
   * @param writablePaths as written, resolved when the isolator is built
   */
  record SandboxKey(
      boolean denyNetwork,
      boolean denyExec,
      boolean readOnlyFileSystem,
      List<String> writablePaths) {
    static final SandboxKey NONE = new SandboxKey(false, false, false, List.of());

    boolean none() {
      return !denyNetwork && !denyExec && !readOnlyFileSystem;
    }
  }

  /**
   * The annotation nearest to the test of {@code context}: on its method, then its class, then the
   * classes that enclose it. The chain of contexts is that path: a dynamic test's parent is its
   * factory method's context, a {@code @Nested} class's parent is its enclosing class's.
   *
   * @throws ExtensionConfigurationException when none is found (the extension was registered by
   *     hand) or its values are out of range
   */
  static IsolationSettings of(ExtensionContext context) {
    for (ExtensionContext at = context; at != null; at = at.getParent().orElse(null)) {
      Optional<AnnotatedElement> element = at.getElement();
      if (element.isPresent()) {
        Optional<IsolationSettings> found = on(element.get());
        if (found.isPresent()) {
          return found.get();
        }
      }
    }
    throw new ExtensionConfigurationException(
        "ProcessIsolatedExtension intercepted "
            + context.getUniqueId()
            + ", but neither it, its class nor an enclosing class is annotated @ProcessIsolated;"
            + " annotate one of them instead of registering the extension by hand");
  }

  // The deprecated alias is still honoured; its use here is the point of keeping it.
  @SuppressWarnings("deprecation")
  private static Optional<IsolationSettings> on(AnnotatedElement element) {
    Optional<ProcessIsolated> current =
        AnnotationSupport.findAnnotation(element, ProcessIsolated.class);
    if (current.isPresent()) {
      ProcessIsolated annotation = current.get();
      if (annotation.writablePaths().length > 0 && !annotation.readOnlyFileSystem()) {
        throw new ExtensionConfigurationException(
            "@ProcessIsolated on "
                + element
                + " names writablePaths without readOnlyFileSystem = true: every path is"
                + " writable then; set readOnlyFileSystem = true, or drop writablePaths");
      }
      return Optional.of(
          checked(
              element,
              annotation.timeoutMillis(),
              annotation.maxHeapMebibytes(),
              List.of(annotation.jvmOptions()),
              new SandboxKey(
                  annotation.denyNetwork(),
                  annotation.denyExec(),
                  annotation.readOnlyFileSystem(),
                  List.of(annotation.writablePaths()))));
    }
    return AnnotationSupport.findAnnotation(element, Isolated.class)
        .map(
            annotation ->
                checked(
                    element,
                    annotation.timeoutMillis(),
                    annotation.maxHeapMebibytes(),
                    List.of(),
                    SandboxKey.NONE));
  }

  private static IsolationSettings checked(
      AnnotatedElement where,
      long timeoutMillis,
      long maxHeapMebibytes,
      List<String> jvmOptions,
      SandboxKey sandbox) {
    if (timeoutMillis < 0) {
      throw new ExtensionConfigurationException(
          "@ProcessIsolated(timeoutMillis = " + timeoutMillis + ") on " + where + ": 0 or more");
    }
    if (maxHeapMebibytes < 0 || maxHeapMebibytes > Long.MAX_VALUE >> 20) {
      throw new ExtensionConfigurationException(
          "@ProcessIsolated(maxHeapMebibytes = "
              + maxHeapMebibytes
              + ") on "
              + where
              + ": 0 (the default) or a size in MiB");
    }
    return new IsolationSettings(
        timeoutMillis, new IsolatorKey(maxHeapMebibytes, jvmOptions, sandbox), where);
  }
}
