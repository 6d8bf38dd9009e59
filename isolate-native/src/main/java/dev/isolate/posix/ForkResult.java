package dev.isolate.posix;

/**
 * What {@code fork()} returned, typed: either "this is the parent of child N" or "this is the
 * child".
 */
public sealed interface ForkResult {

  /** Returned in the parent process. */
  record Parent(int childPid) implements ForkResult {
    public Parent {
      if (childPid <= 0) {
        throw new IllegalArgumentException("a child pid is positive, got " + childPid);
      }
    }
  }

  /** Returned in the new child process. */
  record Child() implements ForkResult {}
}
