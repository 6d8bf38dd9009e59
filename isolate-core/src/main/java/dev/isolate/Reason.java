package dev.isolate;

/** Which operation failed; each reason belongs to exactly one {@link Category}. */
public enum Reason {
  // DID_NOT_EXECUTE
  /** The worker image could not create a pipe for the child ({@code errno} is set). */
  PIPE_CREATION_FAILED(Category.DID_NOT_EXECUTE),
  /** {@code fork()} failed ({@code errno} is set). */
  FORK_FAILED(Category.DID_NOT_EXECUTE),
  /** The child could not close the worker's ends of its pipes before running the callable. */
  CHILD_PIPE_CLOSE_FAILED(Category.DID_NOT_EXECUTE),
  /**
   * The child could not prepare itself (standard streams, signals, limits) before running the
   * callable, or twice in a row a child got stuck before reaching the callable (30 seconds after
   * its fork, or 5 seconds asleep on a lock without using CPU) and was killed.
   */
  CHILD_SETUP_FAILED(Category.DID_NOT_EXECUTE),
  /** The callable could not be serialized in the caller, or deserialized in the child. */
  CALLABLE_SERIALIZATION_FAILED(Category.DID_NOT_EXECUTE),
  /** The worker image did not start (bad JVM options, no {@code java}, start-up timed out). */
  WORKER_START_FAILED(Category.DID_NOT_EXECUTE),
  /** The worker image had died before the call could be handed to it. */
  WORKER_UNAVAILABLE(Category.DID_NOT_EXECUTE),
  /**
   * {@code maxConcurrentCalls} calls were running and {@code maxQueuedCalls} waiting: the call was
   * refused at once.
   */
  QUEUE_FULL(Category.DID_NOT_EXECUTE),

  // EXECUTED
  /** The callable returned, but its result could not be serialized in the child. */
  SERIALIZATION_FAILED(Category.EXECUTED),
  /**
   * The callable returned, but its result could not be deserialized in the caller: a class the
   * result filter rejects, a value deeper or larger than its limits, or bytes that are not a value.
   */
  DESERIALIZATION_FAILED(Category.EXECUTED),
  /** The callable returned, but the child could not write its result to the pipe. */
  CHILD_PIPE_WRITE_FAILED(Category.EXECUTED),
  /** The callable threw; the exception is the cause. */
  CALLABLE_THREW(Category.EXECUTED),
  /**
   * The child sent back more than {@code maxResultBytes} and was killed: a value that large, or a
   * child writing without end.
   */
  RESULT_TOO_LARGE(Category.EXECUTED),

  // STATUS_UNKNOWN
  /** The worker image could not close its copy of the child's pipe ends after forking. */
  PARENT_PIPE_CLOSE_FAILED(Category.STATUS_UNKNOWN),
  /** {@code waitpid()} failed ({@code errno} is set). */
  WAIT_FAILED(Category.STATUS_UNKNOWN),
  /** Reading the child's pipe failed ({@code errno} is set). */
  PARENT_PIPE_READ_FAILED(Category.STATUS_UNKNOWN),
  /** The child exited with status 0 but never wrote a complete result. */
  CALLABLE_PROCESS_DIED_DURING_EXECUTION(Category.STATUS_UNKNOWN),
  /**
   * The child exited with a status other than 0 without a result, e.g. the callable called {@code
   * System.exit(3)}.
   */
  UNEXPECTED_CHILD_EXIT_STATUS(Category.STATUS_UNKNOWN),
  /**
   * A signal ended the child (a native crash, {@code abort()}, {@code kill -9}); see {@code
   * crashReport()}.
   */
  CHILD_PROCESS_KILLED_BY_SIGNAL(Category.STATUS_UNKNOWN),
  /** {@code waitpid()} returned a pid other than the child's. */
  UNEXPECTED_WAITPID_RETURN_VALUE(Category.STATUS_UNKNOWN),
  /**
   * The call ran past its deadline and the child was killed; {@code timeout()} and {@code
   * elapsed()} say when.
   */
  TIMED_OUT(Category.STATUS_UNKNOWN),
  /** The child used up its CPU-time limit ({@code RLIMIT_CPU}) and the kernel killed it. */
  CPU_TIME_LIMIT_EXCEEDED(Category.STATUS_UNKNOWN),
  /**
   * The child died because a native allocation failed at its native memory limit ({@code
   * RLIMIT_AS}).
   */
  NATIVE_MEMORY_LIMIT_EXCEEDED(Category.STATUS_UNKNOWN),
  /** The worker image died while the call was in flight; its child was killed with it. */
  WORKER_DIED(Category.STATUS_UNKNOWN),
  /** The thread waiting in {@code execute} was interrupted; the child was killed. */
  CANCELLED(Category.STATUS_UNKNOWN),
  /**
   * The child wrote on its result pipe what no child of this library writes (a record out of order,
   * of an unknown kind or an impossible length): native code gone wrong, or exploited. It was
   * killed; the callable may have run.
   */
  MALFORMED_RESULT(Category.STATUS_UNKNOWN);

  private final Category category;

  Reason(Category category) {
    this.category = category;
  }

  /** The category this reason belongs to. */
  public Category category() {
    return category;
  }
}
