package dev.isolate.internal.host;

import dev.isolate.internal.wire.Frame;
import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * What one worker image has been told ahead of the calls that need it, and the frames that tell it
 * the rest: the shapes (classes, lambdas) to prepare, the classes learned to initialize, the class
 * loaders to define. Shapes are bounded: each costs the worker heap that is never collected, and a
 * caller that makes a new class per call must not fill it. Used under the worker's write lock.
 */
final class Announcements {
  /** How many shapes one worker image prepares at most. */
  private static final int MAX_SHAPES = 10_000;

  private final Set<String> shapes = new HashSet<>();
  private final Set<Integer> loaders = new HashSet<>();
  private final ClassLearning learning;
  private int learnedTold;

  Announcements(ClassLearning learning) {
    this.learning = learning;
  }

  /** Writes what a call with {@code callShapes} and {@code loader} needs the worker to know. */
  void writeFor(Set<String> callShapes, PluginLoaders.Use loader, OutputStream out)
      throws IOException {
    List<String> fresh = new ArrayList<>();
    for (String shape : callShapes) {
      if (shapes.size() < MAX_SHAPES && !shapes.contains(shape)) {
        fresh.add(shape);
      }
    }
    shapes.addAll(fresh);
    if (learning.size() > learnedTold) {
      fresh.addAll(learning.shapesFrom(learnedTold));
      learnedTold = learning.size();
    }
    if (!fresh.isEmpty()) {
      out.write(new Frame.Prepare(fresh).encode());
    }
    for (Frame.DefineLoader definition : loader.definitions()) {
      if (loaders.add(definition.loaderId())) {
        out.write(definition.encode());
      }
    }
  }
}
