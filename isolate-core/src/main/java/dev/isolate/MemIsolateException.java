package dev.isolate;

import dev.isolate.internal.outcome.Failure;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * A call whose callable did not return a value: the {@link #category()} says whether the callable
 * ran, the {@link #reason()} which operation failed, and the other accessors the facts.
 *
 * <p>Catch the subclass of the category you handle, or switch on {@link #category()}:
 *
 * <pre>{@code
 * try {
 *   return isolator.execute(task);
 * } catch (MemIsolateException e) {
 *   if (e.category().safeToRetry()) return isolator.execute(task);
 *   throw e;
 * }
 * }</pre>
 */
public abstract sealed class MemIsolateException extends Exception
    permits CallableDidNotExecuteException,
        CallableExecutedException,
        CallableStatusUnknownException {
  private static final long serialVersionUID = 1L;

  private final Reason reason;
  private final Integer errno;
  private final Integer signal;
  private final Integer exitStatus;
  private final transient CrashReport crashReport;
  private final Integer childPid;
  private final Duration elapsed;
  private final Duration timeout;
  private final String stdoutTail;
  private final String stderrTail;

  MemIsolateException(Failure failure) {
    super(failure.message(), failure.cause());
    this.reason = failure.reason();
    this.errno = failure.errno();
    this.signal = failure.signal();
    this.exitStatus = failure.exitStatus();
    this.crashReport = failure.crash() == null ? null : new CrashReport(failure.crash());
    this.childPid = failure.childPid();
    this.elapsed = failure.elapsed();
    this.timeout = failure.timeout();
    this.stdoutTail = failure.stdoutTail();
    this.stderrTail = failure.stderrTail();
  }

  /** The exception of {@code failure}'s category. */
  static MemIsolateException of(Failure failure) {
    return switch (failure.reason().category()) {
      case DID_NOT_EXECUTE -> new CallableDidNotExecuteException(failure);
      case EXECUTED -> new CallableExecutedException(failure);
      case STATUS_UNKNOWN -> new CallableStatusUnknownException(failure);
    };
  }

  /** Whether the callable ran: the key for retry logic. */
  public Category category() {
    return reason.category();
  }

  /** Which operation failed. */
  public Reason reason() {
    return reason;
  }

  /** The operating system's error number, where a failed system call caused this. */
  public OptionalInt errno() {
    return optional(errno);
  }

  /**
   * The signal that ended the child, as {@code waitpid} saw it. A native {@code SIGSEGV} in a child
   * usually shows here as {@code SIGABRT} (6), because the JVM's crash handler aborts after writing
   * its report; {@link #crashReport()} names the original signal.
   */
  public OptionalInt signal() {
    return optional(signal);
  }

  /** The child's exit status, where it exited. */
  public OptionalInt exitStatus() {
    return optional(exitStatus);
  }

  /** What the child's runtime reported as it died, where it died. */
  public Optional<CrashReport> crashReport() {
    return Optional.ofNullable(crashReport);
  }

  /** The pid of the child that ran (or was to run) the callable, where one was forked. */
  public OptionalInt childPid() {
    return optional(childPid);
  }

  /** How long the call took, from handing it to the worker image until its child was reaped. */
  public Optional<Duration> elapsed() {
    return Optional.ofNullable(elapsed);
  }

  /** The wall-clock limit the call ran under, for {@link Reason#TIMED_OUT}. */
  public Optional<Duration> timeout() {
    return Optional.ofNullable(timeout);
  }

  /** The last bytes (at most 64 KiB) the child wrote to its standard output; empty if none. */
  public String stdoutTail() {
    return stdoutTail;
  }

  /** The last bytes (at most 64 KiB) the child wrote to its standard error; empty if none. */
  public String stderrTail() {
    return stderrTail;
  }

  private static OptionalInt optional(Integer value) {
    return value == null ? OptionalInt.empty() : OptionalInt.of(value);
  }
}
