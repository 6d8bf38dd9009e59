package dev.isolate;

import java.time.Duration;
import java.util.Objects;
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

  MemIsolateException(Facts facts) {
    super(facts.message, facts.cause);
    this.reason = facts.reason;
    this.errno = facts.errno;
    this.signal = facts.signal;
    this.exitStatus = facts.exitStatus;
    this.crashReport = facts.crashReport;
    this.childPid = facts.childPid;
    this.elapsed = facts.elapsed;
    this.timeout = facts.timeout;
    this.stdoutTail = facts.stdoutTail;
    this.stderrTail = facts.stderrTail;
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

  /** Everything an exception carries, gathered by the classification before the type is chosen. */
  static final class Facts {
    final Reason reason;
    final String message;
    Throwable cause;
    Integer errno;
    Integer signal;
    Integer exitStatus;
    CrashReport crashReport;
    Integer childPid;
    Duration elapsed;
    Duration timeout;
    String stdoutTail = "";
    String stderrTail = "";

    Facts(Reason reason, String message) {
      this.reason = Objects.requireNonNull(reason, "reason");
      this.message = Objects.requireNonNull(message, "message");
    }

    Facts cause(Throwable value) {
      cause = value;
      return this;
    }

    Facts errno(int value) {
      errno = value;
      return this;
    }

    Facts signal(int value) {
      signal = value;
      return this;
    }

    Facts exitStatus(int value) {
      exitStatus = value;
      return this;
    }

    Facts crashReport(CrashReport value) {
      crashReport = value;
      return this;
    }

    Facts childPid(int value) {
      childPid = value;
      return this;
    }

    Facts elapsed(Duration value) {
      elapsed = value;
      return this;
    }

    Facts timeout(Duration value) {
      timeout = value;
      return this;
    }

    Facts output(String stdout, String stderr) {
      stdoutTail = Objects.requireNonNull(stdout);
      stderrTail = Objects.requireNonNull(stderr);
      return this;
    }

    MemIsolateException toException() {
      return switch (reason.category()) {
        case DID_NOT_EXECUTE -> new CallableDidNotExecuteException(this);
        case EXECUTED -> new CallableExecutedException(this);
        case STATUS_UNKNOWN -> new CallableStatusUnknownException(this);
      };
    }
  }
}
