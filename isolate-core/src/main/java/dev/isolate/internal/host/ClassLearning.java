package dev.isolate.internal.host;

import dev.isolate.internal.wire.Frame;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.WeakHashMap;
import java.util.function.BiConsumer;

/**
 * What an isolator's worker images learn from their children: the classes children loaded and
 * initialized for callables, which each worker image loads and initializes once ahead of the
 * children it forks next, and the classes a worker image refused because their initializer broke
 * fork safety there, never initialized ahead again. Shared by the isolator's worker images, so that
 * a successor starts with what its predecessors learned. Thread-safe.
 */
public final class ClassLearning {
  /** The most classes learned: what a worker image's heap, never collected, holds well. */
  static final int MAX_CLASSES = 20_000;

  /**
   * The longest run of calls of one callable class between two that report what their child
   * learned, reached by doubling after each report that brought nothing new.
   */
  static final int MAX_INTERVAL = 256;

  private final boolean enabled;
  private final BiConsumer<String, String> onRefusal;

  /** Learned shapes, in order; a worker image is told them from the index it has reached. */
  private final List<String> learned = new ArrayList<>();

  private final Set<String> seen = new HashSet<>();
  private final Map<String, String> refused = new LinkedHashMap<>();
  private final Map<Class<?>, Schedule> schedules = new WeakHashMap<>();

  /**
   * When the calls of one callable class report: every call while reports bring new classes (a test
   * suite's bodies, say, which reach new classes test after test); after each report that brings
   * nothing, twice as many calls apart, up to {@link #MAX_INTERVAL}. A report costs its child
   * little when it loaded nothing new, and a scan of the loaded classes when it did.
   */
  private static final class Schedule {
    int calls;
    int next;
    int interval = 1;
  }

  /**
   * @param enabled whether children learn at all
   * @param onRefusal told of each refused class and the rule it broke, once
   */
  public ClassLearning(boolean enabled, BiConsumer<String, String> onRefusal) {
    this.enabled = enabled;
    this.onRefusal = onRefusal;
  }

  /** Whether the child of this call of {@code callableClass} is to report what it learned. */
  public synchronized boolean shouldLearn(Class<?> callableClass) {
    if (!enabled || learned.size() >= MAX_CLASSES) {
      return false;
    }
    Schedule schedule = schedules.computeIfAbsent(callableClass, type -> new Schedule());
    // At or past its turn: a report lost with its child (a crash) does not stop the learning.
    return schedule.calls++ >= schedule.next;
  }

  /**
   * Takes what the child of a call of {@code callableClass} reported: shapes, {@link
   * Frame.Prepare#INITIALIZE} or {@link Frame.Prepare#LOAD} and a class name; none if it loaded
   * nothing new.
   */
  public synchronized void learned(Class<?> callableClass, List<String> shapes) {
    int fresh = 0;
    for (String shape : shapes) {
      if (learned.size() < MAX_CLASSES && seen.add(shape)) {
        learned.add(shape);
        fresh++;
      }
    }
    Schedule schedule = schedules.get(callableClass);
    if (schedule != null) {
      schedule.interval = fresh > 0 ? 1 : Math.min(schedule.interval * 2, MAX_INTERVAL);
      schedule.next = schedule.calls + schedule.interval - 1;
    }
  }

  /**
   * The shapes learned from {@code index} on, refused classes left out; {@link #size} is then the
   * index to continue from.
   */
  synchronized List<String> shapesFrom(int index) {
    List<String> shapes = new ArrayList<>();
    for (int i = index; i < learned.size(); i++) {
      if (!refused.containsKey(learned.get(i).substring(1))) {
        shapes.add(learned.get(i));
      }
    }
    return shapes;
  }

  synchronized int size() {
    return learned.size();
  }

  /**
   * A worker image refused {@code className}: it broke fork safety there, {@code rule} says how.
   */
  public void refused(String className, String rule) {
    synchronized (this) {
      if (refused.containsKey(className)) {
        return;
      }
      refused.put(className, rule);
    }
    onRefusal.accept(className, rule);
  }

  /** The classes refused so far. */
  public synchronized Set<String> refusedNames() {
    return Set.copyOf(refused.keySet());
  }
}
