package dev.isolate.internal.host;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The shapes (classes, lambdas) one worker image has been told to prepare ahead of the calls that
 * use them. Bounded: each costs the worker heap that is never collected, and a caller that makes a
 * new class per call must not fill it.
 */
final class ShapeLedger {
  /** How many shapes one worker image prepares at most. */
  private static final int MAX_SHAPES = 10_000;

  private final Set<String> announced = ConcurrentHashMap.newKeySet();

  /**
   * The shapes of {@code shapes} not yet announced, within the bound, now counted as announced: the
   * caller sends them in a PREPARE frame before the call. Called under the worker's write lock.
   */
  List<String> announce(Set<String> shapes) {
    List<String> fresh = List.of();
    for (String shape : shapes) {
      if (!announced.contains(shape) && announced.size() + fresh.size() < MAX_SHAPES) {
        if (fresh.isEmpty()) {
          fresh = new ArrayList<>();
        }
        fresh.add(shape);
      }
    }
    announced.addAll(fresh);
    return fresh;
  }
}
