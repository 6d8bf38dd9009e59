package dev.isolate.internal.worker;

import dev.isolate.internal.boot.ExitHook;
import dev.isolate.internal.wire.Frame;
import dev.isolate.internal.wire.WorkerFrame;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;

/**
 * Loads, and initializes where a child did, the classes the worker image learned from its children
 * or was told to preload, between calls, so that the children forked after it find them ready: the
 * zygote's preloading. Every initializer is user code run in the one process that must stay
 * fork-safe, so after each one the worker image checks that it still is: no new thread, no new
 * descriptor but read-only regular files (a jar), no shutdown hook registered, no exception, and no
 * random number generator of the JDK's initialized (its seed would be every child's). The first
 * class that breaks a rule is reported, and from then on the worker image forks no children (a
 * thread it started, say, would be missing in each of them, holding what it held); its caller
 * replaces it. Output an initializer printed is flushed, so that no child inherits it buffered.
 */
final class Preloader {
  /**
   * Generators whose state a fork would copy, and that the worker image has not initialized itself.
   * Not here: {@code Random} and {@code SecureRandom}, initialized already, so that a {@code static
   * final Random} goes unseen (the README says so); the default {@code SecureRandom} (NativePRNG)
   * reads {@code /dev/urandom} afresh in each child.
   */
  private static final String[] GENERATORS = {
    "java.util.SplittableRandom",
    "java.util.concurrent.ThreadLocalRandom",
    "sun.security.provider.DRBG",
  };

  private final ProtocolOut out;
  private final Learner learner;
  private final Queue<String> pending = new ArrayDeque<>();
  private boolean tainted;

  Preloader(ProtocolOut out, Learner learner) {
    this.out = out;
    this.learner = learner;
  }

  /** Queues a {@link Frame.Prepare#INITIALIZE} or {@link Frame.Prepare#LOAD} shape. */
  void queue(String shape) {
    pending.add(shape);
  }

  boolean pending() {
    return !pending.isEmpty() && !tainted;
  }

  /** Whether a class broke fork safety here: the worker image must fork no more. */
  boolean tainted() {
    return tainted;
  }

  /**
   * Loads and initializes what is queued, checking after each initializer; stops at the first that
   * breaks a rule.
   *
   * @return whether anything was loaded (children forked before lack it)
   */
  boolean run() {
    ClassLoader loader = ClassLoader.getSystemClassLoader();
    boolean any = false;
    while (!pending.isEmpty() && !tainted) {
      String shape = pending.poll();
      String name = shape.substring(1);
      if (shape.charAt(0) == Frame.Prepare.LOAD) {
        try {
          Class.forName(name, false, loader);
          any = true;
        } catch (ClassNotFoundException | LinkageError | RuntimeException e) {
          // Not loadable here (a class its child made, say): the children load it as before.
        }
        continue;
      }
      any = true;
      initialize(name, loader);
    }
    return any;
  }

  private void initialize(String name, ClassLoader loader) {
    Class<?> type;
    try {
      type = Class.forName(name, false, loader);
    } catch (ClassNotFoundException | LinkageError | RuntimeException e) {
      return;
    }
    if (learner.initialized(type)) {
      // The worker image's own, initialized since it last looked: nothing of the user's runs.
      return;
    }
    Fingerprint before = Fingerprint.now();
    List<Class<?>> unseeded = uninitializedGenerators();
    // Said first: if the initializer never returns, the caller knows which class it was.
    out.send(new WorkerFrame.Preloading(name, ""));
    String broken = null;
    try {
      Class.forName(name, true, loader);
    } catch (LinkageError | ClassNotFoundException | RuntimeException e) {
      // ExceptionInInitializerError among them: the class is now erroneous here, and would be in
      // every child.
      broken = "threw " + (e.getCause() != null ? e.getCause() : e);
    }
    Fingerprint after = Fingerprint.now();
    if (!after.equals(before)) {
      broken = before.broken(after);
    }
    if (broken == null) {
      broken = seededGenerator(unseeded);
    }
    System.out.flush();
    System.err.flush();
    if (broken != null) {
      tainted = true;
      pending.clear();
      out.send(new WorkerFrame.Preloading(name, broken));
    }
  }

  /**
   * The JDK's random number generators not yet initialized here: an initializer that initializes
   * one has most likely made an instance, whose state every child would share (the same "random"
   * numbers, nonces and UUIDs in each).
   */
  private List<Class<?>> uninitializedGenerators() {
    List<Class<?>> unseeded = new ArrayList<>();
    for (String name : GENERATORS) {
      try {
        Class<?> type = Class.forName(name, false, null);
        if (!learner.initialized(type)) {
          unseeded.add(type);
        }
      } catch (ClassNotFoundException e) {
        // Not in this JDK.
      }
    }
    return unseeded;
  }

  private String seededGenerator(List<Class<?>> unseeded) {
    for (Class<?> type : unseeded) {
      if (learner.initialized(type)) {
        return "initialized " + type.getName() + ", whose seed every child would share";
      }
    }
    return null;
  }

  /**
   * What an initializer must leave as it found it, cheap to take: the thread count (from {@code
   * /proc/self/stat}), the descriptors and what each is open on, the shutdown hooks.
   */
  private record Fingerprint(int threads, Map<Integer, String> descriptors, int hooks) {
    static Fingerprint now() {
      return new Fingerprint(
          countThreads(), SharedFiles.openDescriptors(), ExitHook.shutdownHooks());
    }

    /**
     * How {@code after} breaks the rules, this taken before the initializer ran, or null: a new
     * descriptor (a new number, or a number reused for another file) is allowed if it is a regular
     * file open for reading only (a jar, which each child reopens).
     */
    String broken(Fingerprint after) {
      if (after.threads > threads) {
        return "started " + (after.threads - threads) + " thread(s)";
      }
      for (Map.Entry<Integer, String> open : after.descriptors.entrySet()) {
        int fd = open.getKey();
        if (!open.getValue().equals(descriptors.get(fd))) {
          try {
            Path target = Path.of(open.getValue());
            if (!(Files.isRegularFile(target) && SharedFiles.readOnly(fd))) {
              return "opened " + target + " (descriptor " + fd + ")";
            }
          } catch (IOException | InvalidPathException e) {
            // Closed again by now, or not a file (a socket, a pipe).
            return "opened " + open.getValue() + " (descriptor " + fd + ")";
          }
        }
      }
      if (after.hooks > hooks) {
        return "registered a shutdown hook";
      }
      return null;
    }
  }

  /** The threads of this process, the JVM's own included: field 20 of {@code /proc/self/stat}. */
  private static int countThreads() {
    try {
      String stat = Files.readString(Path.of("/proc/self/stat"));
      String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return Integer.parseInt(fields[17]);
    } catch (IOException | RuntimeException e) {
      throw new IllegalStateException("cannot read the thread count in /proc/self/stat", e);
    }
  }
}
