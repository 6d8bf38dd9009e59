package dev.isolate.internal.worker;

import dev.isolate.internal.boot.ExitHook;
import dev.isolate.internal.wire.Frame;
import java.lang.instrument.Instrumentation;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Set;

/**
 * What a child has loaded and initialized that its worker image had not: the classes the worker
 * image can load and initialize once ahead of later children (see {@link Preloader}). The worker
 * image keeps the set of classes it has loaded, refreshed after its warm-up and after each batch it
 * initializes ahead; a child asked to learn compares its own against it after its callable.
 */
final class Learner {
  private final Instrumentation instrumentation = ExitHook.instrumentation;

  /** {@code jdk.internal.misc.Unsafe.shouldBeInitialized}, exported to the worker image alone. */
  private final Method shouldBeInitialized;

  private final Object unsafe;
  private Set<Class<?>> known = Set.of();

  Learner() {
    Method method = null;
    Object instance = null;
    try {
      Class<?> type = Class.forName("jdk.internal.misc.Unsafe");
      instance = type.getMethod("getUnsafe").invoke(null);
      method = type.getMethod("shouldBeInitialized", Class.class);
    } catch (ReflectiveOperationException | RuntimeException e) {
      // Without it nothing is learned: a child cannot tell an initialized class from a loaded one.
    }
    this.shouldBeInitialized = method;
    this.unsafe = instance;
  }

  /** Whether children can report what they learned here. */
  boolean available() {
    return instrumentation != null && shouldBeInitialized != null;
  }

  /** In the worker image: takes what is loaded now as known. Allocates; run between calls. */
  void refresh() {
    if (available()) {
      Set<Class<?>> loaded = new HashSet<>();
      for (Class<?> type : instrumentation.getAllLoadedClasses()) {
        loaded.add(type);
      }
      known = loaded;
    }
  }

  /**
   * In a child, after its callable: the classes it loaded that the worker image did not know and
   * can load by name (its own class path's, or the JDK's), one per line, each its binary name after
   * {@link Frame.Prepare#INITIALIZE} if the child initialized a class of the class path, else after
   * {@link Frame.Prepare#LOAD}; null if none.
   */
  byte[] learned() {
    if (!available()) {
      return null;
    }
    Class<?>[] loaded = instrumentation.getAllLoadedClasses();
    if (loaded.length == known.size()) {
      // Nothing loaded since the fork, the common case once the worker image has learned: the
      // report costs one array, not a scan.
      return null;
    }
    StringBuilder names = new StringBuilder();
    ClassLoader system = ClassLoader.getSystemClassLoader();
    ClassLoader platform = ClassLoader.getPlatformClassLoader();
    for (Class<?> type : loaded) {
      if (known.contains(type) || type.isHidden() || type.isArray() || type.isPrimitive()) {
        continue;
      }
      ClassLoader loader = type.getClassLoader();
      if (loader == system) {
        char kind = initialized(type) ? Frame.Prepare.INITIALIZE : Frame.Prepare.LOAD;
        names.append(kind).append(type.getName()).append('\n');
      } else if (loader == null || loader == platform) {
        // The JDK's are loaded ahead, never initialized: some capture who the process is
        // (ProcessHandle's cached pid) or seed a generator (ThreadLocalRandom, Math.random), which
        // every child would then share. An application class's initializer may still initialize
        // them in the worker image, as it does in the caller.
        names.append(Frame.Prepare.LOAD).append(type.getName()).append('\n');
      }
    }
    return names.length() == 0 ? null : names.toString().getBytes(StandardCharsets.UTF_8);
  }

  /** Whether {@code type} is initialized in this process; false when it cannot be told. */
  boolean initialized(Class<?> type) {
    try {
      return !(Boolean) shouldBeInitialized.invoke(unsafe, type);
    } catch (ReflectiveOperationException | RuntimeException e) {
      return false;
    }
  }
}
