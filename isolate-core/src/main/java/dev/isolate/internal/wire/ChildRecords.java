package dev.isolate.internal.wire;

/**
 * What a child writes on its result pipe: a sequence of records {@code byte kind, int length,
 * length bytes}. The worker image relays the bytes untouched; the caller parses them with {@link
 * ResultStream}.
 */
public final class ChildRecords {
  /** Bytes before a record's payload. */
  public static final int HEADER = 5;

  /** Part of the Kryo bytes of the returned value. */
  public static final byte VALUE_PART = 1;

  /** Empty: the value is complete. */
  public static final byte VALUE_END = 2;

  /** A {@link ThrowableCodec} chain: the callable threw. */
  public static final byte THREW = 3;

  /**
   * A {@link ThrowableCodec} chain: the value could not be serialized. Earlier value parts are
   * void.
   */
  public static final byte RESULT_UNSERIALIZABLE = 4;

  /**
   * A {@link ThrowableCodec} chain: the child could not deserialize the callable; it did not run.
   */
  public static final byte CALLABLE_UNREADABLE = 5;

  /** {@code int status}: the callable called {@code System.exit} or {@code Runtime.halt}. */
  public static final byte EXIT_CALLED = 6;

  /** {@code int step, int errno}: the child failed to set itself up; the callable did not run. */
  public static final byte SETUP_FAILED = 7;

  /**
   * Empty: the callable is deserialized and about to run. Before it, the child ran only the
   * library's own code, which the worker image bounds in time ({@code Zygote}).
   */
  public static final byte CALLABLE_STARTING = 8;

  /**
   * Child exit status when writing to the result pipe failed, so that nothing else can report it.
   */
  public static final int EXIT_RESULT_WRITE_FAILED = 121;

  /** Child exit status when its worker image died while it was being forked. */
  public static final int EXIT_WORKER_GONE = 122;

  /**
   * Child exit status when something escaped the child runner (a linkage error, say): the child
   * leaves rather than run on as a copy of the worker image's loop.
   */
  public static final int EXIT_CHILD_ESCAPED = 123;

  /** {@link #SETUP_FAILED} step: closing the worker's ends of the pipes. */
  public static final int STEP_CLOSE_PIPES = 1;

  /** {@link #SETUP_FAILED} step: pointing standard input, output and error at their new files. */
  public static final int STEP_STANDARD_STREAMS = 2;

  /** {@link #SETUP_FAILED} step: resetting signal dispositions. */
  public static final int STEP_SIGNALS = 3;

  /** {@link #SETUP_FAILED} step: asking for {@code SIGKILL} when the worker image dies. */
  public static final int STEP_PARENT_DEATH_SIGNAL = 4;

  /** {@link #SETUP_FAILED} step: resource limits. */
  public static final int STEP_LIMITS = 5;

  /**
   * {@link #SETUP_FAILED} step: reopening the worker's jar files so that their offsets are not
   * shared.
   */
  public static final int STEP_SHARED_FILES = 6;

  /** {@link #SETUP_FAILED} step: a spare child reading the call it was given. */
  public static final int STEP_READ_REQUEST = 7;

  private ChildRecords() {}

  /** A human name for a {@link #SETUP_FAILED} step. */
  public static String stepName(int step) {
    return switch (step) {
      case STEP_CLOSE_PIPES -> "closing the worker's pipe ends";
      case STEP_STANDARD_STREAMS -> "redirecting standard streams";
      case STEP_SIGNALS -> "resetting signal handlers";
      case STEP_PARENT_DEATH_SIGNAL -> "prctl(PR_SET_PDEATHSIG)";
      case STEP_LIMITS -> "setting resource limits";
      case STEP_SHARED_FILES -> "reopening the worker image's jar files";
      case STEP_READ_REQUEST -> "reading its call from the worker image";
      default -> "step " + step;
    };
  }
}
