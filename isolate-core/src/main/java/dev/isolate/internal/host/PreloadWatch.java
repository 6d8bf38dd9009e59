package dev.isolate.internal.host;

import dev.isolate.internal.wire.WorkerFrame;

/**
 * What one worker image initializes ahead of its children, seen from the caller: the class it said
 * it is initializing until its next frame, and whether one broke fork safety there. Each refusal
 * goes to the isolator's {@link ClassLearning}, so that no worker image initializes that class
 * ahead again.
 */
final class PreloadWatch {
  private final ClassLearning learning;

  /** The class the worker image said it is initializing ahead, until its next frame. */
  private volatile String initializing;

  /** Set when a class it initialized ahead broke fork safety: it forks no more children. */
  private volatile boolean tainted;

  PreloadWatch(ClassLearning learning) {
    this.learning = learning;
  }

  /**
   * Takes a {@link WorkerFrame.Preloading}: a class being initialized, or refused.
   *
   * @return whether it was refused: the worker image forks no more, and is to be retired
   */
  boolean preloading(WorkerFrame.Preloading preloading) {
    if (preloading.refusal().isEmpty()) {
      initializing = preloading.className();
      return false;
    }
    initializing = null;
    tainted = true;
    learning.refused(preloading.className(), preloading.refusal());
    return true;
  }

  /** Any other frame: the class it was initializing ahead returned. */
  void otherFrame() {
    initializing = null;
  }

  boolean tainted() {
    return tainted;
  }

  /** The worker image ended: a class it was still initializing is refused. */
  void ended() {
    String stuckIn = initializing;
    if (stuckIn != null) {
      learning.refused(
          stuckIn,
          "did not return: the worker image died or stopped answering while it initialized it");
    }
  }
}
