package dev.isolate.internal.wire;

/**
 * The steps a child takes before its callable, as a {@link ChildRecord#SETUP_FAILED} names them.
 */
public enum SetupStep {
  /** Closing the descriptors that are not the child's. */
  CLOSE_PIPES("closing the worker's pipe ends"),
  /** Entering the isolator's sandbox: no-new-privileges, Landlock, seccomp. */
  SANDBOX("entering the sandbox (no_new_privs, Landlock, seccomp)"),
  /** Pointing standard output and error at the child's capture pipes. */
  STANDARD_STREAMS("redirecting standard streams"),
  /** Resetting signal dispositions. */
  SIGNALS("resetting signal handlers"),
  /** Asking for {@code SIGKILL} when the worker image dies. */
  PARENT_DEATH_SIGNAL("prctl(PR_SET_PDEATHSIG)"),
  /** Resource limits. */
  LIMITS("setting resource limits"),
  /** Reopening the worker's jar files so that their offsets are not shared. */
  SHARED_FILES("reopening the worker image's jar files"),
  /** A spare child reading the call it was given. */
  READ_REQUEST("reading its call from the worker image"),
  /** Leading a process group of its own, and becoming the subreaper of its descendants. */
  PROCESS_GROUP("starting a process group of its own (setpgid, PR_SET_CHILD_SUBREAPER)");

  private final String description;

  SetupStep(String description) {
    this.description = description;
  }

  /** What the step does, for messages. */
  public String description() {
    return description;
  }
}
