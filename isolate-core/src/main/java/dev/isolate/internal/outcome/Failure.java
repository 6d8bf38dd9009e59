package dev.isolate.internal.outcome;

import dev.isolate.Reason;
import dev.isolate.internal.wire.ThrowableCodec;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * Everything a failed call's exception will carry, gathered before the exception's type is chosen:
 * the reason, the message, and the facts. The public package turns it into the {@code
 * MemIsolateException} of its category; an exception thrown in the child travels as its encoded
 * {@link #causeChain()} until the caller rebuilds it.
 */
public final class Failure {
  private final Reason reason;
  private String message;
  private Throwable cause;
  private List<ThrowableCodec.Link> causeChain;
  private Integer errno;
  private Integer signal;
  private Integer exitStatus;
  private CrashFacts crash;
  private Integer childPid;
  private Duration elapsed;
  private Duration timeout;
  private String stdoutTail = "";
  private String stderrTail = "";

  public Failure(Reason reason, String message) {
    this.reason = Objects.requireNonNull(reason, "reason");
    this.message = Objects.requireNonNull(message, "message");
  }

  /** Appends {@code text} (empty, or starting with "; ") to the message: what to do about it. */
  public Failure hint(String text) {
    message = message + text;
    return this;
  }

  public Failure cause(Throwable value) {
    cause = value;
    return this;
  }

  /** The exception the child threw, as it arrived; rebuilt into {@link #cause()} by the caller. */
  public Failure causeChain(List<ThrowableCodec.Link> value) {
    causeChain = value;
    return this;
  }

  public Failure errno(int value) {
    errno = value;
    return this;
  }

  public Failure signal(int value) {
    signal = value;
    return this;
  }

  public Failure exitStatus(int value) {
    exitStatus = value;
    return this;
  }

  public Failure crash(CrashFacts value) {
    crash = value;
    return this;
  }

  public Failure childPid(int value) {
    childPid = value;
    return this;
  }

  public Failure elapsed(Duration value) {
    elapsed = value;
    return this;
  }

  public Failure timeout(Duration value) {
    timeout = value;
    return this;
  }

  public Failure output(String stdout, String stderr) {
    stdoutTail = Objects.requireNonNull(stdout);
    stderrTail = Objects.requireNonNull(stderr);
    return this;
  }

  public Reason reason() {
    return reason;
  }

  public String message() {
    return message;
  }

  public Throwable cause() {
    return cause;
  }

  public List<ThrowableCodec.Link> causeChain() {
    return causeChain;
  }

  public Integer errno() {
    return errno;
  }

  public Integer signal() {
    return signal;
  }

  public Integer exitStatus() {
    return exitStatus;
  }

  public CrashFacts crash() {
    return crash;
  }

  public Integer childPid() {
    return childPid;
  }

  public Duration elapsed() {
    return elapsed;
  }

  public Duration timeout() {
    return timeout;
  }

  public String stdoutTail() {
    return stdoutTail;
  }

  public String stderrTail() {
    return stderrTail;
  }
}
